"Kill a training process after its first checkpoint, start it again: it resumes and ends with the numbers of an uninterrupted run."
import json, os, signal, subprocess, time
from conftest import BIN, ROOT, synreal_cmd

ARGS = ('train', '--profile', 'smoke', '--epochs', '6', '--set', 'iters_per_epoch=25', '--device', 'cpu')


def test_kill_and_resume(tmp_path):
    killed, straight = tmp_path / 'killed', tmp_path / 'straight'
    run = killed / 'smoke' / 'rhd2h3d' / 'source_only' / 'seed0'
    proc = subprocess.Popen([str(BIN / 'synreal'), *ARGS, '--results-dir', str(killed), '--quiet'], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (run / 'checkpoint.pt').exists():
        assert proc.poll() is None and time.time() < deadline, 'training ended before its first checkpoint'
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL); proc.wait()
    done_before = len((run / 'log.jsonl').read_text().splitlines())
    assert not (run / 'metrics.json').exists() and done_before < 6, 'the run finished before it could be killed'
    assert not [p for p in run.iterdir() if p.name.endswith('.tmp')], 'a temporary file was left behind'

    r = synreal_cmd(*ARGS, '--results-dir', killed)
    assert f'resuming {run} after epoch' in r.stdout + r.stderr
    epochs = [json.loads(l)['epoch'] for l in (run / 'log.jsonl').read_text().splitlines()]
    assert epochs == list(range(1, 7)), epochs   # every epoch trained exactly once

    synreal_cmd(*ARGS, '--results-dir', straight, '--quiet')
    m_killed = json.loads((run / 'metrics.json').read_text())
    m_straight = json.loads((straight / 'smoke' / 'rhd2h3d' / 'source_only' / 'seed0' / 'metrics.json').read_text())
    for split in ('source_test', 'target_test'):
        assert json.dumps(m_killed[split], sort_keys=True) == json.dumps(m_straight[split], sort_keys=True)


def test_two_processes_on_one_run_train_it_once(tmp_path):
    "The second process waits for the first one's lock and reads its metrics instead of training again."
    args = [str(BIN / 'synreal'), 'train', '--profile', 'smoke', '--epochs', '3', '--device', 'cpu', '--quiet',
            '--results-dir', str(tmp_path)]
    procs = [subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    run = tmp_path / 'smoke' / 'rhd2h3d' / 'source_only' / 'seed0'
    epochs = [json.loads(l)['epoch'] for l in (run / 'log.jsonl').read_text().splitlines()]
    assert epochs == [1, 2, 3], epochs
    assert json.loads(outs[0][0]) == json.loads(outs[1][0])
