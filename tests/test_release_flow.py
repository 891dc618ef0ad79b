"""The release flow at the scale of a real repository (112 plugins), from the command line.

Same-version conflicts listed at once (upload, build), promote by glob / --all /
--changed, output limited to what changes (--verbose for all), diff --summary and id
filters, orphans moved by `inv tidy`, and deletions named.
"""
from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import build
from repo.publish import claims
from repo.publish.address import open_repository
from repo.publish.channel import read_index
from repo.publish.check import check_repository
from repo.publish.plan import apply, plan_promote, plan_upload
from repo.ui.progress import TransferProgress
from tests.conftest import ENTRY_PY, plugin_info, run_inv, write_tree

VENDORS = {"yealink": 40, "snom": 40, "cisco": 32}
IDS = [f"wazo-{vendor}-v{n:03d}" for vendor, count in VENDORS.items() for n in range(count)]
CHANGED = ["wazo-yealink-v003", "wazo-snom-v017", "wazo-cisco-v031"]  # a shared template edited, say


def quiet() -> TransferProgress:
    return TransferProgress(io.StringIO())


def build_tree(root: Path, versions: dict[str, str], descriptions: dict[str, str]) -> Path:
    """One build plugin per id (``versions``), built into ``root/_build``; returns ``root``."""
    for plugin_id, version in versions.items():
        write_tree(root / "plugins" / plugin_id.replace("-", "_"), {
            "build.py": f"""\
                import shutil
                @target('t', {plugin_id!r})
                def build_it(path):
                    shutil.copy('plugin-info', path)
                    shutil.copy('entry.py', path)
                """,
            "plugin-info": plugin_info(version, description=descriptions.get(plugin_id, f"Plugin {plugin_id}")),
            "entry.py": f"# {plugin_id}\n{ENTRY_PY}",
        })
    result = build.build(root / "plugins", root / "_build", jobs=2, stream=io.StringIO())
    assert result.ok, result.failures
    return root


@dataclass
class Release:
    base: Path  # 112 plugins at 1.0, published to dev and stable of ``repo``
    rebuilt: Path  # the same, CHANGED with other content under the same version
    bumped: Path  # the same, CHANGED at version 1.1 with other content
    repo: Path  # the published repository (copy it before changing it)

    def copy_repo(self, dest: Path) -> str:
        shutil.copytree(self.repo, dest)
        return str(dest)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Release:
    root = tmp_path_factory.mktemp("release")
    base = {plugin_id: "1.0" for plugin_id in IDS}
    edited = {plugin_id: "Edited shared template" for plugin_id in CHANGED}
    made = Release(build_tree(root / "base", base, {}), build_tree(root / "rebuilt", base, edited),
                   build_tree(root / "bumped", {**base, **{pid: "1.1" for pid in CHANGED}}, edited), root / "repo")
    storage = open_repository(str(made.repo))
    apply(plan_upload(storage, made.base / "_build/dev"), quiet())
    apply(plan_promote(storage, "dev", "stable", IDS), quiet())
    return made


def inv(tree: Path, *args: str, env: dict | None = None):
    return run_inv(*args, cwd=tree, env=env)


def tree_of(storage) -> dict[str, bytes]:
    return {f"{c}/{n}": storage.get(f"{c}/{n}") for c in ("dev", "stable", "archive") for n in storage.list(c)}


def versions(address: str, channel: str) -> dict[str, str]:
    return {pid: e["version"] for pid, e in read_index(open_repository(address), channel).index.items()}


def filename(plugin_id: str, version: str = "1.0") -> str:
    return f"{plugin_id}-{version}.tar.bz2"


# --- same version, other content ------------------------------------------------------------

def test_upload_lists_every_same_version_conflict_at_once_dry_run_or_not(release, tmp_path):
    repo = release.copy_repo(tmp_path / "repo")
    before = tree_of(open_repository(repo))
    expected = [f"  conflict {plugin_id} 1.0 {filename(plugin_id)}: already published with different content"
                for plugin_id in sorted(CHANGED)]
    for dry_run in (["--dry-run"], []):
        done = inv(release.rebuilt, "upload", "--repo", repo, *dry_run)
        assert done.returncode == 1
        conflicts = [line.split(" (sha1")[0] for line in done.stdout.splitlines() if line.startswith("  conflict")]
        assert conflicts == expected
        assert done.stderr.splitlines()[-1] == (
            f"error: {repo}/dev: 3 packages already published with different content "
            f"({', '.join(filename(pid) for pid in sorted(CHANGED))}): a published version never changes; "
            "bump their versions (or use --force to replace them)")
        assert tree_of(open_repository(repo)) == before  # nothing uploaded, not even the packages without conflict


def test_build_says_which_changed_packages_keep_a_published_version(release, tmp_path):
    repo = release.copy_repo(tmp_path / "repo")
    expected = sorted(f"_build/dev/{filename(pid)}: warning[version-published]: {pid} 1.0 is already published in "
                      f"dev, stable with other bytes" for pid in CHANGED)

    def published_warnings(done) -> list[str]:
        assert done.returncode == 0, done.stderr
        return sorted(line.split(" (sha1")[0] for line in done.stderr.splitlines() if "[version-published]" in line)

    assert published_warnings(inv(release.rebuilt, "build", "--against", repo)) == expected
    assert published_warnings(inv(release.rebuilt, "build", env={"PROVD_REPO": repo})) == expected
    config = tmp_path / "invoke.yaml"
    config.write_text(f"provd:\n  repo: {repo}\n")
    assert published_warnings(inv(release.rebuilt, "-f", str(config), "build")) == expected
    assert published_warnings(inv(release.bumped, "build", "--against", repo)) == []  # bumped: nothing to say
    assert published_warnings(inv(release.rebuilt, "build")) == []  # no repository configured: no comparison


def test_an_unreachable_repository_is_a_warning_when_configured_and_an_error_when_given(release, tmp_path):
    # A real S3 client, talking to a port where nothing listens.
    env = {"PROVD_REPO": "s3://no-such-bucket/plugins", "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
           "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_MAX_ATTEMPTS": "1", "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    configured = inv(release.rebuilt, "build", env=env)
    assert configured.returncode == 0, configured.stderr
    [warning] = [line for line in configured.stderr.splitlines() if "published versions" in line]
    assert warning.startswith("warning: not compared with the published versions (the configured repository "
                              "cannot be read): ")
    assert configured.stdout.splitlines()[-1].startswith("0 built, 112 up to date, 0 failed")
    given = inv(release.rebuilt, "build", "--against", "s3://no-such-bucket/plugins", env=env)
    assert given.returncode == 1
    assert given.stderr.splitlines()[-1].startswith("error: ") and "no-such-bucket" in given.stderr.splitlines()[-1]


# --- promote ---------------------------------------------------------------------------------

def test_promote_by_glob_then_changed_then_all(release, tmp_path):
    repo = str(tmp_path / "repo")
    apply(plan_upload(open_repository(repo), release.base / "_build/dev"), quiet())
    snom = sorted(pid for pid in IDS if pid.startswith("wazo-snom-"))

    plan = inv(release.base, "promote", "--repo", repo, "--dry-run", "wazo-snom-*")
    assert plan.returncode == 0, plan.stderr
    assert sorted(line.split()[2] for line in plan.stdout.splitlines() if line.startswith("  index")) == snom
    assert versions(repo, "stable") == {}

    done = inv(release.base, "promote", "--repo", repo, "wazo-snom-*", "wazo-cisco-v00?")
    assert done.returncode == 0, done.stderr
    assert sorted(versions(repo, "stable")) == sorted(snom + [f"wazo-cisco-v00{n}" for n in range(10)])

    nothing = inv(release.base, "promote", "--repo", repo, "wazo-nokia-*", "wazo-snom-*")
    assert nothing.returncode == 1
    assert nothing.stderr == f"error: {repo}/dev/plugins.db: pattern 'wazo-nokia-*' matches no plugin id in the " \
                             "dev channel\n"

    changed = inv(release.base, "promote", "--repo", repo, "--changed")
    assert changed.returncode == 0, changed.stderr
    assert versions(repo, "stable") == {pid: "1.0" for pid in IDS}
    again = inv(release.base, "promote", "--repo", repo, "--changed")
    assert again.stdout == "nothing to promote: no plugin id of dev is new or newer than in stable\n"

    apply(plan_upload(open_repository(repo), release.bumped / "_build/dev"), quiet())
    upgraded = inv(release.base, "promote", "--repo", repo, "--changed", "--dry-run")
    assert sorted(line for line in upgraded.stdout.splitlines() if line.startswith("  index")) == \
        sorted(f"  index    ~ {pid} 1.0 -> 1.1" for pid in CHANGED)
    everything = inv(release.base, "promote", "--repo", repo, "--all")
    assert everything.returncode == 0, everything.stderr
    assert versions(repo, "stable") == versions(repo, "dev") and len(versions(repo, "dev")) == 112
    assert inv(release.base, "promote", "--repo", repo).stderr == \
        "error: name the plugin ids to promote (or --all, --changed)\n"


def test_a_mistyped_repository_is_an_error_not_nothing_to_promote_or_tidy(release, tmp_path):
    """As for `inv list` and `inv diff`: a wrong --repo (an S3 prefix typo) must not pass for an empty channel."""
    wrong = str(tmp_path / "no-such-repo")
    for selected in (["--changed"], ["--all"], ["wazo-snom-*"]):
        done = inv(release.base, "promote", "--repo", wrong, *selected)
        assert (done.returncode, done.stdout) == (1, ""), done.stdout
        assert done.stderr == f"error: {wrong}/dev/plugins.db: nothing published to the dev channel yet (no " \
                              "plugins.db)\n"
    for channel in ([], ["--channel", "stable"]):
        done = inv(release.base, "tidy", "--repo", wrong, "--dry-run", *channel)
        assert (done.returncode, done.stdout) == (1, ""), done.stdout
        where = "dev or the stable channel" if not channel else "stable channel"
        assert done.stderr == f"error: {wrong}: nothing published to the {where} yet (no plugins.db)\n"
    assert not Path(wrong).exists()

    mirror = tmp_path / "b/stable"  # a mirror of stable, downloaded before
    mirror.mkdir(parents=True)
    shutil.copy(release.base / "_build/dev" / filename(CHANGED[0]), mirror)
    for dry_run in (["--dry-run"], []):
        done = inv(release.base, "download-stable", "--repo", wrong, "--build-dir", str(tmp_path / "b"), *dry_run)
        assert (done.returncode, done.stdout) == (1, ""), done.stdout  # not "delete" every package of the mirror
        assert done.stderr == f"error: {wrong}: nothing published to the dev or the stable channel yet (no " \
                              "plugins.db)\n"
    assert [path.name for path in mirror.iterdir()] == [filename(CHANGED[0])]

    # A channel without an index but with packages (a first publish killed before its index write) is tidied.
    storage = open_repository(str(tmp_path / "half"))
    data = (release.base / "_build/dev" / filename(CHANGED[0])).read_bytes()
    storage.put(f"dev/{filename(CHANGED[0])}", data)
    half = inv(release.base, "tidy", "--repo", str(tmp_path / "half"), "--dry-run")
    assert half.returncode == 0, half.stderr
    assert half.stdout.splitlines()[:2] == [f"dev channel of {tmp_path / 'half'}: 1 unindexed package(s)",
                                            f"  archive  {filename(CHANGED[0])} ({len(data)} bytes, then delete it from dev/)"]


# --- output size -----------------------------------------------------------------------------

def test_publishing_commands_print_what_changes_and_one_line_for_the_rest(release, tmp_path):
    repo = release.copy_repo(tmp_path / "repo")
    short = inv(release.bumped, "upload", "--repo", repo, "--dry-run")
    full = inv(release.bumped, "upload", "--repo", repo, "--dry-run", "--verbose")
    assert short.returncode == full.returncode == 0, short.stderr + full.stderr
    # header, 3 uploads, 3 archives, 3 index lines, the summary of the rest, "dry run"
    assert len(short.stdout.splitlines()) == 12
    assert "  109 unchanged (already there with the same sha1; --verbose lists them)" in short.stdout.splitlines()
    assert len(full.stdout.splitlines()) == 1 + 112 + 3 + 3 + 1
    assert sum(line.startswith("  keep") for line in full.stdout.splitlines()) == 109

    done = inv(release.bumped, "upload", "--repo", repo)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "3 package(s) transferred, 3 archived, 3 deleted, 109 unchanged; dev/plugins.db updated\n"

    promoted = [inv(release.bumped, "promote", "--repo", repo, "--all", "--dry-run", *verbose)
                for verbose in ([], ["-v"])]
    assert [len(p.stdout.splitlines()) for p in promoted] == [12, 1 + 112 + 3 + 3 + 1]

    stable_dir = release.bumped / "_build/stable"
    shutil.rmtree(stable_dir, ignore_errors=True)
    assert inv(release.bumped, "download-stable", "--repo", repo).returncode == 0
    inv(release.bumped, "promote", "--repo", repo, "--changed")
    mirrored = [inv(release.bumped, "download-stable", "--repo", repo, "--dry-run", *verbose)
                for verbose in ([], ["--verbose"])]
    # header, 3 downloads, 3 deletions of the replaced versions, the summary, "dry run"
    assert [len(m.stdout.splitlines()) for m in mirrored] == [9, 1 + 112 + 3 + 1]
    assert "  109 unchanged (already there with the same sha1; --verbose lists them)" in mirrored[0].stdout

    downloaded = inv(release.bumped, "download-stable", "--repo", repo)
    assert downloaded.stdout == f"{stable_dir.relative_to(release.bumped)}: 3 downloaded, 109 already there, " \
                                "3 deleted\n"
    deleted = sorted(line for line in downloaded.stderr.splitlines() if line.startswith("deleted "))
    assert deleted == [f"deleted {stable_dir.relative_to(release.bumped) / filename(pid)} (not in the stable "
                       "channel)" for pid in sorted(CHANGED)]  # every local deletion is named
    stable = [inv(release.bumped, "upload-stable", "--repo", repo, "--dry-run", *verbose)
              for verbose in ([], ["-v"])]
    assert [len(s.stdout.splitlines()) for s in stable] == [4, 1 + 112 + 2]


def test_diff_summary_and_id_filters(release, tmp_path):
    repo = str(tmp_path / "repo")
    apply(plan_upload(open_repository(repo), release.base / "_build/dev"), quiet())
    first = inv(release.base, "diff", "--repo", repo, "dev", "stable")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == "promoting dev into stable: 112 new, 0 unchanged" and len(lines) == 113
    assert lines[1] == "+ wazo-cisco-v000 1.0: new (1 model)"
    verbose = inv(release.base, "diff", "--repo", repo, "dev", "stable", "--verbose")
    assert len(verbose.stdout.splitlines()) == 1 + 2 * 112  # each new id with its model
    summary = inv(release.base, "diff", "--repo", repo, "--summary", "dev", "stable")
    assert summary.stdout == "promoting dev into stable: 112 new, 0 unchanged\n"
    some = inv(release.base, "diff", "--repo", repo, "dev", "stable", "wazo-yealink-v01?", "wazo-snom-v000")
    assert some.returncode == 0, some.stderr
    assert some.stdout.splitlines()[0] == "promoting dev into stable: 11 new, 0 unchanged"
    assert [line.split()[1] for line in some.stdout.splitlines()[1:]] == \
        ["wazo-snom-v000", *[f"wazo-yealink-v01{n}" for n in range(10)]]
    counted = inv(release.base, "diff", "--repo", repo, "--summary", "dev", "stable", "wazo-cisco-*")
    assert counted.stdout == "promoting dev into stable: 32 new, 0 unchanged\n"
    both = inv(release.base, "diff", "--repo", repo, "--summary", "--json", "dev", "stable")
    assert (both.returncode, both.stdout) == (1, "")  # not the whole document, as if --summary were not there
    assert both.stderr == "error: --summary prints the counts line of the text; the JSON lists every plugin id " \
                          "(use one or the other)\n"
    missing = inv(release.base, "diff", "--repo", repo, "dev", "stable", "wazo-nokia-*")
    assert missing.returncode == 1
    assert missing.stderr == f"error: {repo}: pattern 'wazo-nokia-*' matches no plugin id in the dev or stable " \
                             "channel\n"


# --- orphans ---------------------------------------------------------------------------------

def test_tidy_moves_unindexed_packages_to_the_archive_and_names_each(release, tmp_path):
    repo = release.copy_repo(tmp_path / "repo")
    storage = open_repository(repo)
    # Orphans: packages put in stable (and dev) that no index names, as an interrupted publish leaves them.
    orphans = {pid: (release.bumped / "_build/dev" / filename(pid, "1.1")).read_bytes() for pid in CHANGED}
    for pid, data in orphans.items():
        storage.put(f"stable/{filename(pid, '1.1')}", data)
    storage.put(f"dev/{filename(CHANGED[0], '1.1')}", orphans[CHANGED[0]])
    in_flight = filename(CHANGED[2], "1.1")
    claim = claims.Held(storage, "stable", claims.PUBLISH, [in_flight])  # a publish about to index it
    indexed = {name: storage.get(f"stable/{name}") for name in read_index(storage, "stable").index.filenames()}
    before = tree_of(storage)

    plan = inv(release.base, "tidy", "--repo", repo, "--dry-run")
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.splitlines() == [
        f"dev channel of {repo}: 1 unindexed package(s)",
        f"  archive  {filename(CHANGED[0], '1.1')} ({len(orphans[CHANGED[0]])} bytes, then delete it from dev/)",
        f"stable channel of {repo}: 3 unindexed package(s)",
        f"  leave    {in_flight} (a publish in progress claims it)",
        f"  archive  {filename(CHANGED[1], '1.1')} ({len(orphans[CHANGED[1]])} bytes, then delete it from stable/)",
        f"  archive  {filename(CHANGED[0], '1.1')} ({len(orphans[CHANGED[0]])} bytes, then delete it from stable/)",
        "dry run: nothing changed",
    ]
    assert tree_of(storage) == before

    done = inv(release.base, "tidy", "--repo", repo, "--channel", "stable")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "2 packages moved to the archive channel"
    moved = sorted([filename(CHANGED[0], "1.1"), filename(CHANGED[1], "1.1")])
    assert sorted(line for line in done.stderr.splitlines() if line.startswith("deleted ")) == \
        [f"deleted {repo}/stable/{name} (moved to archive/)" for name in moved]
    for name in moved:
        assert storage.get(f"archive/{name}") == orphans[name.rsplit("-", 1)[0]]
        assert name not in storage.list("stable")
    assert in_flight in storage.list("stable")  # claimed: left alone
    assert filename(CHANGED[0], "1.1") in storage.list("dev")  # another channel: left alone
    assert {name: storage.get(f"stable/{name}") for name in indexed} == indexed  # indexed files untouched
    assert check_repository(storage).problems == []
    claim.release()
    again = inv(release.base, "tidy", "--repo", repo)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "2 packages moved to the archive channel"
    assert set(storage.list("stable")) - {"plugins.db", "index.html"} == read_index(storage, "stable").index.filenames()
    assert inv(release.base, "tidy", "--repo", repo, "--channel", "archive").stderr == \
        "error: the archive channel keeps every package it received: nothing to tidy there\n"


def test_tidy_dry_run_already_names_the_orphans_it_will_leave_and_the_run_fails_on_them(release, tmp_path):
    repo = release.copy_repo(tmp_path / "repo")
    storage = open_repository(repo)
    storage.put("stable/junk-1.0.tar.bz2", b"not a tar")  # named like a package, copied there by hand
    movable = filename(CHANGED[1], "1.1")
    storage.put(f"stable/{movable}", (release.bumped / "_build/dev" / movable).read_bytes())
    clash = filename(CHANGED[2], "1.1")  # the archive holds other bytes under its name
    storage.put(f"stable/{clash}", (release.bumped / "_build/dev" / clash).read_bytes())
    storage.put(f"archive/{clash}", (release.bumped / "_build/dev" / movable).read_bytes())
    before = tree_of(storage)

    plan = inv(release.base, "tidy", "--repo", repo, "--channel", "stable", "--dry-run")
    assert plan.returncode == 0, plan.stderr
    lines = plan.stdout.splitlines()
    assert lines[0] == f"stable channel of {repo}: 3 unindexed package(s)"
    assert lines[1].startswith("  leave    junk-1.0.tar.bz2 (not a readable bzip2 tar archive")
    assert lines[2] == f"  leave    {clash} (archive/ holds other bytes under that name)"
    assert lines[3].startswith(f"  archive  {movable} (")
    assert lines[4:] == ["dry run: nothing changed"]
    assert tree_of(storage) == before

    done = inv(release.base, "tidy", "--repo", repo, "--channel", "stable")
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[1:4] == lines[1:4]  # the run does what the dry run said
    assert done.stdout.splitlines()[-1] == "1 package moved to the archive channel; 2 files left in place (named above)"
    assert done.stderr.splitlines()[-1] == f"deleted {repo}/stable/{movable} (moved to archive/)"
    assert {"junk-1.0.tar.bz2", clash} <= set(storage.list("stable")) and movable not in storage.list("stable")


def test_upload_stable_from_a_stale_mirror_is_refused_before_it_sends_anything(release, tmp_path):
    repo = release.copy_repo(tmp_path / "repo")
    storage = open_repository(repo)
    build_dir = tmp_path / "b"
    assert inv(release.base, "download-stable", "--repo", repo, "--build-dir", str(build_dir)).returncode == 0
    added = filename(CHANGED[0], "1.1")
    shutil.copy(release.bumped / "_build/dev" / added, build_dir / "stable")
    # Someone promotes meanwhile.
    apply(plan_upload(storage, release.bumped / "_build/dev"), quiet())
    apply(plan_promote(storage, "dev", "stable", [CHANGED[1]]), quiet())
    before = tree_of(storage)

    for dry_run in (["--dry-run"], []):
        refused = inv(release.base, "upload-stable", "--repo", repo, "--build-dir", str(build_dir), *dry_run)
        assert refused.returncode == 1
        assert refused.stdout == ""
        assert refused.stderr == f"error: {repo}/stable/plugins.db: changed since it was downloaded: run " \
                                 "`inv download-stable` again and redo your changes\n"  # nothing uploaded first
        assert tree_of(storage) == before


def test_validate_says_it_too_and_strict_fails_on_it(release, tmp_path):
    repo = release.copy_repo(tmp_path / "repo")
    quiet_config = tmp_path / "invoke.yaml"  # the generated plugins' other warnings, silenced
    quiet_config.write_text("provd:\n  validation:\n    ignore: [capability-legacy, dhcp-coverage]\n")
    done = inv(release.rebuilt, "-f", str(quiet_config), "validate", "--against", repo)
    assert done.returncode == 0, done.stdout + done.stderr
    found = [line.split(" (sha1")[0] for line in done.stdout.splitlines() if "[version-published]" in line]
    assert found == sorted(f"plugins/{pid.replace('-', '_')}/build.py: warning[version-published]: {pid} 1.0 is "
                           "already published in dev, stable with other bytes" for pid in CHANGED)
    assert "     3 warnings version-published" in done.stdout.splitlines()
    strict = inv(release.rebuilt, "-f", str(quiet_config), "validate", "--strict", env={"PROVD_REPO": repo})
    assert strict.returncode == 1
    assert strict.stdout.splitlines()[-1] == \
        "112 plugins checked: 0 errors, 3 warnings, 224 silenced: FAILED (--strict: warnings fail too)"
    # Built the same way as `inv build` did: the same bytes as published, nothing to say.
    unchanged = inv(release.base, "-f", str(quiet_config), "validate", "--strict", "--against", repo)
    assert unchanged.returncode == 0, unchanged.stdout
    assert "version-published" not in unchanged.stdout
