"""Bad input gives exit status 2 and a message saying what is wrong, before any model loads."""

import json

import numpy as np
import pytest
from gguf import GGUFWriter

from spikechip_recorder.cli import main


def run(capsys, *args):
    code = main(list(args))
    return code, capsys.readouterr().err


def test_missing_model_file(capsys, tmp_path):
    code, err = run(capsys, "--model", str(tmp_path / "nope.gguf"), "--prompt", "Hi", "-o", str(tmp_path / "o.trace"))
    assert code == 2 and "model file" in err and "does not exist" in err
    assert not (tmp_path / "o.trace").exists()


def test_missing_gguf_inside_a_directory(capsys, tmp_path):
    code, err = run(capsys, "--model", str(tmp_path), "--gguf-file", "x.gguf", "--prompt", "Hi",
                    "-o", str(tmp_path / "o.trace"))
    assert code == 2 and "GGUF file" in err and "does not exist" in err


def test_unsupported_gguf_architecture(capsys, tmp_path):
    path = tmp_path / "gpt2.gguf"
    w = GGUFWriter(str(path), "gpt2")
    w.add_block_count(1)
    w.add_tensor("token_embd.weight", np.zeros((4, 8), np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    code, err = run(capsys, "--model", str(path), "--prompt", "Hi", "-o", str(tmp_path / "o.trace"))
    assert code == 2 and "architecture 'gpt2' is not supported" in err and "llama and qwen2" in err


def test_unsupported_config_architecture(capsys, tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "mamba"}))
    code, err = run(capsys, "--model", str(tmp_path), "--prompt", "Hi", "-o", str(tmp_path / "o.trace"))
    assert code == 2 and "architecture 'mamba' is not supported" in err


def test_directory_without_config_names_its_gguf_files(capsys, tmp_path):
    (tmp_path / "m.Q4_0.gguf").write_bytes(b"")
    code, err = run(capsys, "--model", str(tmp_path), "--prompt", "Hi", "-o", str(tmp_path / "o.trace"))
    assert code == 2 and "no config.json" in err and "m.Q4_0.gguf" in err and "--gguf-file" in err


def test_not_a_gguf_file(capsys, tmp_path):
    path = tmp_path / "junk.gguf"
    path.write_bytes(b"not a gguf file at all")
    code, err = run(capsys, "--model", str(path), "--prompt", "Hi", "-o", str(tmp_path / "o.trace"))
    assert code == 2 and "not a readable GGUF file" in err


def test_existing_output_is_refused_before_loading(capsys, tmp_path):
    out = tmp_path / "o.trace"
    out.write_bytes(b"old")
    code, err = run(capsys, "--model", str(tmp_path / "missing.gguf"), "--prompt", "Hi", "-o", str(out))
    assert code == 2 and "exists; pass --force" in err and out.read_bytes() == b"old"


def test_bad_spike_encoder_is_refused_before_loading(capsys, tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama"}))
    code, err = run(capsys, "--model", str(tmp_path), "--prompt", "Hi", "-o", str(tmp_path / "o.trace"),
                    "--content", "spikes", "--encoder", "spikingbrain:k=3,T=21,adaptive_T=true")
    assert code == 2 and "one T per file" in err


@pytest.mark.parametrize("extra, message", [
    (["--encoder", "sdllm:bits=4"], "give --time-steps"),
    (["--encoder", "sdllm:bits=4", "--time-steps", "256"], "1...255"),
    (["--encoder", "spikingbrain:k=3,T=0"], "1...255"),
])
def test_header_time_steps_are_checked_before_loading(extra, message, capsys, tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama"}))
    code, err = run(capsys, "--model", str(tmp_path), "--prompt", "Hi", "-o", str(tmp_path / "o.trace"), *extra)
    assert code == 2 and message in err


def test_cuda_device_without_a_gpu(capsys, tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "llama"}))
    code, err = run(capsys, "--model", str(tmp_path), "--prompt", "Hi", "-o", str(tmp_path / "o.trace"), "--device", "cuda")
    assert code == 2 and "sees no CUDA GPU" in err


def test_missing_output_directory(capsys, tmp_path):
    code, err = run(capsys, "--model", "m.gguf", "--prompt", "Hi", "-o", str(tmp_path / "no" / "o.trace"))
    assert code == 2 and "does not exist" in err


@pytest.mark.parametrize("argv", [["--prompt", "Hi", "-o", "x"], ["--model", "m", "-o", "x"]])
def test_required_arguments(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
