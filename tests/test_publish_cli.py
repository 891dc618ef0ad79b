"""The publishing tasks from the command line: addresses from options, env and config; plans; words."""
from __future__ import annotations

from repo.publish.address import open_repository
from repo.publish.channel import read_index
from tests.conftest import ROOT, acme_plugin, run_inv
from tests.repo_fixtures import dev_build


def ids(address: str, channel: str) -> dict[str, str]:
    return {pid: e["version"] for pid, e in read_index(open_repository(address), channel).index.items()}


def test_upload_builds_first_when_there_is_no_dev_index(tmp_path):
    acme_plugin(tmp_path / "plugins")
    (tmp_path / "plugins/acme/build.py").write_text(
        "import shutil\n"
        "@target('1.0', 'acme-1.0')\n"
        "def build(path):\n"
        "    shutil.copy('1.0/plugin-info', path)\n"
        "    shutil.copy('1.0/entry.py', path)\n"
        "    shutil.copy('common/common.py', path)\n")
    repo = tmp_path / "repo"
    plan = run_inv("upload", "--repo", str(repo), "--dry-run", cwd=tmp_path)
    assert plan.returncode == 0
    assert plan.stdout == "no _build/dev/plugins.db yet: would build plugins/ into _build/, then upload its packages\n"
    assert not (tmp_path / "_build").exists() and not repo.exists()
    result = run_inv("upload", "--repo", str(repo), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("no _build/dev/plugins.db yet: building plugins/ into _build/ first\n")
    assert "1 package(s) transferred" in result.stdout
    assert f"uploaded {repo}/dev/acme-1.0-0.3.tar.bz2 (" in result.stderr
    assert ids(str(repo), "dev") == {"acme-1.0": "0.3"}


def test_repository_from_env_and_from_invoke_config(tmp_path):
    build_dir = dev_build(tmp_path, {"acme": "0.3"})
    config = tmp_path / "invoke.yaml"
    config.write_text(f"provd:\n  repo: {tmp_path / 'configured'}\n")
    by_config = run_inv("-f", str(config), "upload", "--build-dir", str(build_dir), cwd=tmp_path)
    assert by_config.returncode == 0, by_config.stderr
    assert ids(str(tmp_path / "configured"), "dev") == {"acme": "0.3"}
    by_env = run_inv("-f", str(config), "upload", "--build-dir", str(build_dir), cwd=tmp_path,
                 env={"PROVD_REPO": f"file://{tmp_path}/from-env"})
    assert by_env.returncode == 0, by_env.stderr
    assert ids(str(tmp_path / "from-env"), "dev") == {"acme": "0.3"}


def test_default_repository_is_the_projects_repo_folder(tmp_path):
    build_dir = dev_build(tmp_path, {"acme": "0.3"})
    existed = (ROOT / "_repo").exists()
    plan = run_inv("upload", "--build-dir", str(build_dir), "--dry-run", cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.startswith(f"dev channel of {ROOT / '_repo'}:\n")
    assert "dry run: nothing changed" in plan.stdout
    assert (ROOT / "_repo").exists() == existed


def test_promote_remove_and_the_stable_flow_from_the_command_line(tmp_path):
    build_dir = dev_build(tmp_path, {"acme": "0.3", "beta": "1.0", "gamma": "2.0"})
    repo = str(tmp_path / "repo")
    assert run_inv("upload", "--repo", repo, "--build-dir", str(build_dir), cwd=tmp_path).returncode == 0
    promoted = run_inv("promote", "--repo", repo, "acme", "beta", cwd=tmp_path)
    assert promoted.returncode == 0, promoted.stderr
    assert ids(repo, "stable") == {"acme": "0.3", "beta": "1.0"}
    plan = run_inv("remove", "--repo", repo, "--channel", "stable", "beta", "--dry-run", cwd=tmp_path)
    assert "archive  beta-1.0.tar.bz2" in plan.stdout and "- beta 1.0" in plan.stdout
    assert ids(repo, "stable") == {"acme": "0.3", "beta": "1.0"}
    removed = run_inv("remove", "--repo", repo, "--channel", "stable", "beta", cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert ids(repo, "stable") == {"acme": "0.3"} and ids(repo, "archive") == {"beta": "1.0"}

    assert run_inv("download-stable", "--repo", repo, "--build-dir", str(build_dir), cwd=tmp_path).returncode == 0
    (build_dir / "stable/gamma-2.0.tar.bz2").write_bytes((build_dir / "dev/gamma-2.0.tar.bz2").read_bytes())
    plan = run_inv("upload-stable", "--repo", repo, "--build-dir", str(build_dir), "--dry-run", cwd=tmp_path)
    assert "upload   gamma-2.0.tar.bz2" in plan.stdout and "+ gamma 2.0" in plan.stdout
    uploaded = run_inv("upload-stable", "--repo", repo, "--build-dir", str(build_dir), cwd=tmp_path)
    assert uploaded.returncode == 0, uploaded.stderr
    assert ids(repo, "stable") == {"acme": "0.3", "gamma": "2.0"}


def test_mistakes_are_one_line_and_exit_1(tmp_path):
    build_dir = dev_build(tmp_path, {"acme": "0.3"})
    repo = str(tmp_path / "repo")
    cases = [
        (("remove", "--repo", repo, "acme"), "error: --channel is required (dev or stable)\n"),
        (("promote", "--repo", repo, "--to", "prod", "acme"), "error: unknown channel 'prod' (channels: dev, stable, "
                                                               "archive)\n"),
        (("serve", "--repo", "s3://provd-plugins"), "error: s3://provd-plugins: inv serve serves a local folder; "
                                                    "an S3 bucket is served over HTTP by S3 (or its CDN) itself\n"),
        (("upload", "--repo", "http://127.0.0.1/x", "--build-dir", str(build_dir)),
         "error: unsupported repository address 'http://127.0.0.1/x': use s3://bucket[/prefix], a local path or "
         "a file:// URL\n"),
    ]
    for args, message in cases:
        result = run_inv(*args, cwd=tmp_path)
        assert (result.returncode, result.stderr) == (1, message), args
