"""Every method's smoke-profile metrics equal `fixtures/smoke_metrics.json`, written by `tests/smoke_metrics.py`.
The rebuild into layered modules (issue 14) was checked against the fixture made on the commit before it (d8fff78) and
moved no number. A change meant to move the numbers regenerates the fixture with that script and says so in its commit:
so far only TLlib's target rule (issue 19: a joint whose quantised centre lies off the heatmap gets weight 0)."""
import json, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from smoke_metrics import smoke_metrics

FIXTURE = Path(__file__).parent / 'fixtures' / 'smoke_metrics.json'


def test_every_method_gives_the_fixtures_numbers(tmp_path):
    before, now = json.loads(FIXTURE.read_text()), json.loads(json.dumps(smoke_metrics(tmp_path)))
    assert sorted(now) == sorted(before)
    moved = {k: [f for f in before[k] if before[k][f] != now[k].get(f)] for k in before if before[k] != now[k]}
    assert not moved, f'runs whose metrics moved (run -> fields): {moved}'


def test_the_comparison_sees_a_moved_number():
    before = json.loads(FIXTURE.read_text())
    k = 'rhd2h3d/baseline'
    changed = json.loads(json.dumps(before[k])); changed['target_test']['pck_tllib']['All'] += 0.01
    assert changed != before[k]
