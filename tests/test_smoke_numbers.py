"""The rebuild of the package (issue 14) moved code, not numbers: every method's smoke-profile metrics equal those the
package wrote before it (`fixtures/smoke_metrics_before_rebuild.json`, made by `tests/smoke_metrics.py` on the last
commit before the rebuild). A change meant to move the numbers regenerates the fixture with that script, and says so."""
import json, sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from smoke_metrics import smoke_metrics

FIXTURE = Path(__file__).parent / 'fixtures' / 'smoke_metrics_before_rebuild.json'


def test_every_method_gives_the_numbers_it_gave_before_the_rebuild(tmp_path):
    before, now = json.loads(FIXTURE.read_text()), json.loads(json.dumps(smoke_metrics(tmp_path)))
    assert sorted(now) == sorted(before)
    moved = {k: [f for f in before[k] if before[k][f] != now[k].get(f)] for k in before if before[k] != now[k]}
    assert not moved, f'runs whose metrics moved (run -> fields): {moved}'


def test_the_comparison_sees_a_moved_number():
    before = json.loads(FIXTURE.read_text())
    k = 'rhd2h3d/baseline'
    changed = json.loads(json.dumps(before[k])); changed['target_test']['pck_tllib']['All'] += 0.01
    assert changed != before[k]
