"""Bad data input to `synreal data verify` and the format readers: a missing or failing root, an annotation file edited
by 7 px, new and removed files, and pickles with a payload.

Each case feeds the bad input, asserts the exit status and the key words of the message, and that a folder of finished
results (and every file of the data root that the case did not change itself) is byte-identical afterwards. The data
is the smoke-size embedded hand benchmark, written in RHD's and H3D_crop's own file formats, without its sidecars."""
import hashlib, json, os, pickle, shutil, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from conftest import ROOT
from synreal.cli import main
from synreal.data.catalogue import DatasetFormatError
from synreal.data.prepare import MANIFEST_DIR


class Payload:
    "Unpickling this calls `fn(*args)`: the attack that a data_root of pickles allows."
    def __init__(self, fn, *args): self.fn, self.args = fn, args
    def __reduce__(self): return (self.fn, self.args)


def touch_payload(marker: Path) -> Payload: return Payload(os.system, f'touch {marker}')


def tree(root: Path, skip=(MANIFEST_DIR,)) -> dict:
    "{relative path: sha256} of every file under `root`, but those under a folder named in `skip`."
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob('*'))
            if p.is_file() and not set(p.relative_to(root).parts) & set(skip)}


def write_results(folder: Path) -> None:
    "A tiny folder of finished results, as `train_run` leaves one: config, metrics and a checkpoint."
    run = folder / 'rhd2h3d' / 'dann' / 'seed0'
    run.mkdir(parents=True)
    (run / 'config.json').write_text(json.dumps(dict(task='rhd2h3d', method='dann', seed=0, profile='smoke')))
    (run / 'metrics.json').write_text(json.dumps(dict(target_test=dict(pck_tllib=0.4321), source_test=dict(pck_tllib=0.8765))))
    (run / 'checkpoint.pt').write_bytes(bytes(range(256)) * 4)


@pytest.fixture(scope='module')
def bench(tmp_path_factory) -> Path:
    "The smoke embedded hand benchmark (RHD + H3D_crop formats) without sidecars, with a results/ folder inside."
    from synreal.embedded.hands import HandBenchmarkConfig, make_hand_benchmark
    root = tmp_path_factory.mktemp('bench') / 'data'
    make_hand_benchmark(root, HandBenchmarkConfig.smoke(), progress=False)
    for sidecar in [root / 'embedded_hands.json', *root.rglob('embedded_meta.json')]: sidecar.unlink()
    write_results(root / 'results')
    return root


@pytest.fixture(scope='module')
def finished(tmp_path_factory):
    "A results folder outside every data root, and the hashes of its files."
    folder = tmp_path_factory.mktemp('finished') / 'results'
    write_results(folder)
    return folder, tree(folder)


@pytest.fixture(autouse=True)
def results_untouched(finished):
    yield
    folder, before = finished
    assert tree(folder) == before, 'a finished result changed'


def copy(bench: Path, to: Path) -> Path:
    shutil.copytree(bench, to)
    return to


def verify(capsys, root, *extra, dataset='rhd') -> tuple[int, str, str]:
    "`synreal data verify` in this process: (exit status, stdout, stderr)."
    code = main(['data', 'verify', dataset, '--data-root', str(root), '--quiet', *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


def manifest(root: Path, dataset='rhd') -> dict:
    return json.loads((root / MANIFEST_DIR / f'{dataset}.json').read_text())['files']


def test_missing_or_failing_root_writes_no_manifest(bench, tmp_path, capsys):
    # a data_root that does not exist: exit 2, the message names it, nothing is created
    nowhere = tmp_path / 'nowhere'
    code, out, err = verify(capsys, nowhere)
    assert code == 2 and f'data root not found: {nowhere}' in err and not nowhere.exists()
    # a data_root without the dataset folder: exit 2 naming the folder, and no (empty) manifest
    empty = tmp_path / 'empty'; empty.mkdir()
    code, out, err = verify(capsys, empty)
    assert code == 2 and f'RHD folder not found' in out and str(empty / 'RHD_published_v2') in out
    assert 'manifest: not written 0 file(s)' in out and 'problem(s)' in err and list(empty.iterdir()) == []
    # a copy with a corrupt annotation file: exit 2 naming it; the corrupt hash is not recorded
    root = copy(bench, tmp_path / 'data')
    before = tree(root)
    anno = root / 'RHD_published_v2/training/anno_training.pickle'
    good = anno.read_bytes(); anno.write_bytes(good[:len(good) // 2])
    code, out, err = verify(capsys, root)
    assert code == 2 and 'cannot unpickle the RHD annotation file' in out and str(anno) in out
    assert 'manifest: not written 2 file(s)' in out and not (root / MANIFEST_DIR).exists()
    # repaired, the first passing verify records the good file, which then verifies as unchanged
    anno.write_bytes(good)
    code, out, err = verify(capsys, root)
    assert code == 0 and 'manifest: written 2 file(s)' in out and out.rstrip().endswith('OK')
    assert manifest(root)['RHD_published_v2/training/anno_training.pickle']['sha256'] == hashlib.sha256(good).hexdigest()
    assert verify(capsys, root)[0] == 0
    assert tree(root) == before                          # verify wrote nothing but its manifest


def move_first_keypoint(anno: Path, dx: float = 7.0) -> float:
    "Move keypoint 0 of the first RHD entry by `dx` px (the fixture is ours, so plain pickle may read it); its new u."
    d = pickle.loads(anno.read_bytes())
    first = next(iter(d))
    d[first]['uv_vis'][0, 0] += dx
    anno.write_bytes(pickle.dumps(d, protocol=4))
    return d[first]['uv_vis'][0, 0]


def test_edited_annotation_fails_until_update_manifest(bench, tmp_path, capsys):
    from synreal.data.formats.rhd import read_rhd_annotations
    root = copy(bench, tmp_path / 'data')
    before = tree(root)
    code, out, _ = verify(capsys, root)
    assert code == 0 and 'manifest: written 2 file(s)' in out
    written = (root / MANIFEST_DIR / 'rhd.json').read_bytes()
    # RHD (a pickle): keypoint 0 of one hand moved by 7 px; the file still loads, so only the manifest can tell
    anno = root / 'RHD_published_v2/training/anno_training.pickle'
    u = move_first_keypoint(anno)
    assert read_rhd_annotations(root, 'train')['uv_vis'][0, 0, 0] == u
    for _ in range(2):                                   # reported every time, never accepted silently
        code, out, err = verify(capsys, root)
        assert code == 2 and f'changed since the manifest was written: {anno}' in out
        assert 'rerun with --update-manifest' in out and '1 problem(s)' in out and 'problem(s)' in err
        assert (root / MANIFEST_DIR / 'rhd.json').read_bytes() == written
    code, out, _ = verify(capsys, root, '--update-manifest')
    assert code == 0 and 'manifest: updated 2 file(s)' in out
    assert manifest(root)[anno.relative_to(root).as_posix()]['sha256'] == hashlib.sha256(anno.read_bytes()).hexdigest()
    code, out, _ = verify(capsys, root)
    assert code == 0 and 'manifest: checked 2 file(s)' in out
    # H3D_crop (JSON): the same for a keypoint moved by 7 px in annotation.json
    assert verify(capsys, root, dataset='h3d')[0] == 0
    ann = root / 'H3D_crop/annotation.json'
    entries = json.loads(ann.read_text()); entries[0]['keypoint2d'][3][1] += 7; ann.write_text(json.dumps(entries))
    code, out, _ = verify(capsys, root, dataset='h3d')
    assert code == 2 and f'changed since the manifest was written: {ann}' in out
    assert verify(capsys, root, '--update-manifest', dataset='h3d')[0] == 0 and verify(capsys, root, dataset='h3d')[0] == 0
    changed = {'RHD_published_v2/training/anno_training.pickle', 'H3D_crop/annotation.json'}
    after = tree(root)
    assert {k for k in before if after[k] != before[k]} == changed and after.keys() == before.keys()


def test_new_and_missing_files_are_reported(bench, tmp_path, capsys):
    root = copy(bench, tmp_path / 'data')
    (root / 'RHD_v1-1.zip').write_bytes(b'the downloaded archive')     # the catalogue's archive is hashed too
    before = tree(root)
    code, out, _ = verify(capsys, root)
    assert code == 0 and 'manifest: written 3 file(s)' in out
    written = (root / MANIFEST_DIR / 'rhd.json').read_bytes()
    (root / 'RHD_v1-1.zip').unlink()
    # a new annotation-like file, here a pickle with a payload: verify hashes it and never unpickles it
    marker = tmp_path / 'pwned'
    new = root / 'RHD_published_v2/extra/anno_extra.pickle'
    new.parent.mkdir(); new.write_bytes(pickle.dumps({0: touch_payload(marker)}))
    code, out, err = verify(capsys, root)
    assert code == 2 and '2 problem(s)' in out and 'problem(s)' in err
    assert f'missing since the manifest was written: {root / "RHD_v1-1.zip"}' in out
    assert f'new since the manifest was written: {new}' in out
    assert (root / MANIFEST_DIR / 'rhd.json').read_bytes() == written and not marker.exists()
    code, out, _ = verify(capsys, root, '--update-manifest')
    assert code == 0 and 'manifest: updated 3 file(s)' in out and not marker.exists()
    assert set(manifest(root)) == {'RHD_published_v2/training/anno_training.pickle',
                                   'RHD_published_v2/evaluation/anno_evaluation.pickle', 'RHD_published_v2/extra/anno_extra.pickle'}
    after = tree(root)
    assert after.keys() == before.keys() - {'RHD_v1-1.zip'} | {'RHD_published_v2/extra/anno_extra.pickle'}
    assert all(after[k] == before[k] for k in after.keys() & before.keys())


def payload_anno(marker: Path) -> bytes:
    "An RHD annotation pickle whose one entry hides a payload among real arrays."
    return pickle.dumps({0: dict(xyz=np.zeros((42, 3)), uv_vis=touch_payload(marker), K=np.eye(3))}, protocol=4)


def test_payload_pickle_is_refused_and_never_run(bench, tmp_path, capsys):
    from synreal.data.formats.rhd import read_rhd_annotations, rhd_samples
    marker = tmp_path / 'pwned'
    root = copy(bench, tmp_path / 'data')
    before = tree(root)
    anno = root / 'RHD_published_v2/evaluation/anno_evaluation.pickle'
    anno.write_bytes(payload_anno(marker))
    # the console script, in a fresh interpreter: exit 2, the file named as an unsafe pickle, no manifest
    r = subprocess.run([sys.executable, '-m', 'synreal.cli', 'data', 'verify', 'rhd', '--data-root', str(root), '--quiet'],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stdout + r.stderr
    assert 'unsafe pickle, refused' in r.stdout and 'calls posix.system' in r.stdout and str(anno) in r.stdout
    assert 'problem(s)' in r.stderr and not r.stdout.rstrip().endswith('OK')
    assert not marker.exists() and not (root / MANIFEST_DIR).exists()
    # the readers refuse it too, naming the file
    for read in (lambda: read_rhd_annotations(root, 'test'), lambda: rhd_samples(root, 'test')):
        with pytest.raises(DatasetFormatError, match='unsafe pickle, refused') as e: read()
        assert str(anno) in str(e.value)
    assert main(['data', 'prepare', 'rhd', '--data-root', str(root), '--out', str(tmp_path / 'prepared'), '--quiet']) == 2
    assert 'unsafe pickle, refused' in capsys.readouterr().err
    assert not marker.exists()
    # after a passing verify wrote the manifest, a payload swapped in fails verify, and --update-manifest cannot accept it
    anno.write_bytes(bench.joinpath(anno.relative_to(root)).read_bytes())
    assert verify(capsys, root)[0] == 0
    written = (root / MANIFEST_DIR / 'rhd.json').read_bytes()
    anno.write_bytes(payload_anno(marker))
    for extra in ((), ('--update-manifest',)):
        code, out, err = verify(capsys, root, *extra)
        assert code == 2 and 'unsafe pickle, refused' in out and f'changed since the manifest was written: {anno}' in out
        assert (root / MANIFEST_DIR / 'rhd.json').read_bytes() == written and not marker.exists()
    assert 'manifest: not updated' in out and 'not accepted' in out
    # the payload is live: plain pickle would have run it
    pickle.loads(anno.read_bytes()); assert marker.exists()
    after = tree(root)
    assert {k for k in before if after[k] != before[k]} == {anno.relative_to(root).as_posix()}


def test_payload_in_mvhand_and_3dpw_pickles(tmp_path, capsys):
    from synreal.data.formats.mvhand import MVHAND_SERIALS, read_mvhand_recording
    from synreal.data.formats.pw3d import read_pw3d_sequence
    marker = tmp_path / 'pwned'
    root = tmp_path / 'data'
    calib = root / 'MVHand/1-01-1-1/calib.pkl'
    calib.parent.mkdir(parents=True)
    calib.write_bytes(pickle.dumps({s: touch_payload(marker) if s == MVHAND_SERIALS[2] else np.eye(4) for s in MVHAND_SERIALS},
                                   protocol=2))
    seq = root / '3DPW/sequenceFiles/train/outdoors_walking_00.pkl'
    seq.parent.mkdir(parents=True)
    # a Python-2-style protocol-0 pickle written by hand: `eval` through the GLOBAL opcode
    seq.write_bytes(b"c__builtin__\neval\n(S'__import__(\"os\").system(\"touch " + str(marker).encode() + b"\")'\ntR.")
    with pytest.raises(DatasetFormatError, match='calls posix.system'): read_mvhand_recording(calib.parent, root)
    with pytest.raises(DatasetFormatError, match=r'calls __builtin__\.eval'): read_pw3d_sequence(seq, root)
    for dataset, path in (('mvhand', calib), ('pw3d', seq)):
        code, out, err = verify(capsys, root, dataset=dataset)
        assert code == 2 and 'unsafe pickle, refused' in out and str(path) in out, out
        assert 'manifest: not written' in out
    assert not marker.exists() and not (root / MANIFEST_DIR).exists()
    pickle.loads(seq.read_bytes(), encoding='latin1'); assert marker.exists()    # live: plain pickle runs it
