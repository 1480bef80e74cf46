"""`--executor dask`: the same batch on a real Dask distributed cluster (a LocalCluster of worker processes on
127.0.0.1, not mocked), with the same records as the local pool and the same isolation of a crashing file."""

from __future__ import annotations

import pytest

from auditor.batch import BatchOptions, Store, run_batch
from auditor.present.json_report import result_to_dict
from tests.batch_doubles import misbehaving_audit
from tests.batch_support import md_reports, settings_for, spec, with_row_total_error, write_md

pytest.importorskip("distributed", reason="Dask distributed is not installed (pip install -e '.[cluster]')")


def test_a_dask_local_cluster_gives_the_records_of_the_local_pool_and_isolates_a_crash(tmp_path):
    folder = tmp_path / "in"
    md_reports(folder, 3)
    write_md(folder, with_row_total_error(spec(6)), name="worst")
    write_md(folder, spec(7), name="crash")
    settings = settings_for(tmp_path)

    def run(executor: str, db: str):
        with Store(tmp_path / db) as store:
            return run_batch([str(folder)], store, settings, result_to_dict,
                             BatchOptions(workers=2, executor=executor), audit=misbehaving_audit)

    on_dask = run("dask", "dask.sqlite")
    local = run("local", "local.sqlite")
    assert on_dask.audited == 5
    assert [r.to_json() | {"seconds": None} for r in on_dask.records] == [
        r.to_json() | {"seconds": None} for r in local.records]
    crashed = next(r for r in on_dask.records if r.file.endswith("crash.md"))
    assert crashed.error["code"] == "worker_crashed" and "退出码 -11" in crashed.error["message"]
    assert next(r for r in on_dask.records if r.file.endswith("worst.md")).verdict == "fail"
