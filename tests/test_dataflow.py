"""The Dataflow path, offline: `curate run --runner DataflowRunner ... --dry_run=True` builds and translates
every phase (one job each) with gs:// and https:// inputs and a gs:// output, touching no remote path and no network;
the job uses the worker image, stages an installable sdist of this project, and the Dockerfile matches the pins.
"""

from __future__ import annotations

import re
import shutil
import socket
import tarfile
from pathlib import Path

import pytest
from apache_beam.io.filesystems import FileSystems

import curate_cli.main as cli
from conftest import REPO

IMAGE = "us-docker.pkg.dev/my-project/curation/worker:0.1.0"
DATAFLOW_ARGS = [
    "--runner", "DataflowRunner", "--project", "my-project", "--region", "us-central1",
    "--temp_location", "gs://cc-bucket/tmp", "--sdk_container_image", IMAGE, "--sdk_location", "container",
    "--setup_file", str(REPO / "setup.py"), "--dry_run=True",
]
_FILESYSTEM_CALLS = ("open", "create", "match", "exists", "rename", "delete", "mkdirs", "copy")


@pytest.fixture
def offline(monkeypatch) -> list[str]:
    """Fail (and record) any network connection and any Beam FileSystems call on a remote path."""
    touched: list[str] = []

    def refuse(what: str):
        def refused(*args, **kwargs):
            touched.append(f"{what}{args[:2]}")
            raise OSError(f"{what} is not allowed while the pipeline is only being built")
        return refused

    for name in ("getaddrinfo", "create_connection"):
        monkeypatch.setattr(socket, name, refuse(f"socket.{name}"))
    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    for name in _FILESYSTEM_CALLS:
        original = getattr(FileSystems, name)

        def guarded(*args, _original=original, _name=name, **kwargs):
            flat = [p for a in args for p in (a if isinstance(a, list) else [a])]
            if any(isinstance(p, str) and "://" in p for p in flat):
                return refuse(f"FileSystems.{_name}")(*args)
            return _original(*args, **kwargs)

        monkeypatch.setattr(FileSystems, name, staticmethod(guarded))
    return touched


@pytest.fixture
def captured_jobs(monkeypatch) -> list:
    """The apiclient.Jobs that DataflowRunner would have submitted, one per phase."""
    pytest.importorskip(
        "apache_beam.runners.dataflow.internal.apiclient",
        reason="apache-beam[gcp] is not installed (pip install -e '.[dataflow]'); the Dataflow dry run needs it",
    )
    from apache_beam.runners.dataflow.dataflow_runner import DataflowRunner

    jobs: list = []
    original = DataflowRunner.run_pipeline

    def run_pipeline(self, pipeline, options, pipeline_proto=None):
        result = original(self, pipeline, options, pipeline_proto)
        jobs.append(result.job)
        return result

    monkeypatch.setattr(DataflowRunner, "run_pipeline", run_pipeline)
    return jobs


# Steps every phase's job must hold: stage (every input file through the recipe), dedup (sketches only), write.
PHASE_STEPS = [
    {"Stage/Inputs", "Stage/MatchFiles", "Stage/Urls", "Stage/AllInputs", "Stage/OncePerFile", "Stage/StageFile",
     "Stage/WriteManifest"},
    {"Manifest", "Dedup/ExactEntries", "Dedup/GroupExact", "Dedup/BandEntries0", "Dedup/GroupBands6",
     "Dedup/Components/Round20", "Dedup/Components/CheckStars", "Dedup/NameSurvivors", "Dedup/WriteVerdicts",
     "Dedup/WriteSummary"},
    {"Manifest", "Write/Sizes", "Write/Plan", "Write/WriteShard", "Write/Accounting", "Write/Finalize"},
]


def test_dataflow_dry_run_translates_every_phase_offline(offline, captured_jobs, capsys):
    from apache_beam.portability.api import beam_runner_api_pb2

    url = "https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-33/segments/1/warc/CC-MAIN-1-00000.warc.gz"
    argv = ["run", "--input", "gs://cc-bucket/crawl/*.warc.gz", "--input", url, "--output", "gs://cc-bucket/out"]
    assert cli.main(argv + DATAFLOW_ARGS) == 0, capsys.readouterr().err
    assert offline == []
    assert "3 phases built and translated" in capsys.readouterr().out

    assert len(captured_jobs) == 3
    for job, steps in zip(captured_jobs, PHASE_STEPS):
        pipeline = job.proto_pipeline
        names = {t.unique_name for t in pipeline.components.transforms.values()}
        assert steps <= names, steps - names

        (environment,) = pipeline.components.environments.values()
        assert beam_runner_api_pb2.DockerPayload.FromString(environment.payload).container_image == IMAGE
        staged = {beam_runner_api_pb2.ArtifactStagingToRolePayload.FromString(d.role_payload).staged_name: d
                  for d in environment.dependencies}
        sdist = Path(beam_runner_api_pb2.ArtifactFilePayload.FromString(staged["workflow.tar.gz"].type_payload).path)
        try:
            with tarfile.open(sdist) as tar:
                names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
        finally:
            shutil.rmtree(sdist.parent, ignore_errors=True)  # Beam's staging temp dir
        # What a worker needs to pip-install the sdist and run every stage; the shipped URL lists included.
        for needed in ("pyproject.toml", "setup.py", "curation/http_reader.py", "curation/extract.py",
                       "curation/curate_file.py", "pipelines/stage.py", "filters/url.py", "filters/data"):
            assert any(n == needed or n.startswith(needed + "/") for n in names), needed
        assert not any(n.startswith(("sample_warcs/", ".venv/", "bench/")) for n in names)  # no data or caches


def test_a_remote_benchmark_is_left_to_the_workers_in_a_dry_run(offline, captured_jobs, capsys):
    argv = ["run", "--input", "gs://cc-bucket/crawl/*.warc.gz", "--output", "gs://cc-bucket/out",
            "--decontaminate", "hellaswag=gs://cc-bucket/benchmarks/hellaswag_val.jsonl.gz"]
    assert cli.main(argv + DATAFLOW_ARGS) == 0, capsys.readouterr().err
    assert offline == [] and len(captured_jobs) == 3


def test_bad_dataflow_options_are_one_line_errors(offline, captured_jobs, capsys):
    args = [a if a != "my-project" else "p" for a in DATAFLOW_ARGS]  # Beam rejects a project id this short
    assert cli.main(["run", "--input", "gs://b/*.warc.gz", "--output", "gs://b/out", *args]) == 2
    assert "Project ID" in capsys.readouterr().err
    assert offline == []


def test_dockerfile_matches_the_pinned_beam_and_python():
    dockerfile = (REPO / "Dockerfile").read_text()
    pyproject = (REPO / "pyproject.toml").read_text()
    beam = re.search(r'"apache-beam==([\d.]+)"', pyproject).group(1)
    base = re.search(r"^FROM apache/beam_python(\d+\.\d+)_sdk:([\d.]+)\s*$", dockerfile, re.M)
    assert base and base.group(2) == beam
    for package_dir in ("curation", "filters", "pipelines", "pretrain"):
        assert f"COPY {package_dir} " in dockerfile, package_dir
