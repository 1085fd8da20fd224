"""The model registry: versions of a model from workspace files, and aliases that point at them."""

from . import _relay
from ._connection import get_store, now
from ._errors import CellflowError
from ._files import artifact, workspace_path
from ._runs import active_run
from ._schema import ALIAS_UPSERT, MODEL_INSERT, MODEL_VERSION_EXISTS, MODEL_VERSION_INSERT, MODEL_VERSION_LINEAGE_INSERT, RUN_RID


def register_model(artifact_path, name, run_id=None):
    """Registers `artifact_path` as the next version of model `name`; returns the version number."""
    if _relay.relayed():
        # On a Dask worker: the file is checked here, then registered by Cellflow's store (it reads it
        # from the shared workspace) as the version of the step's run.
        run = active_run()
        rel = workspace_path(_relay.where(), artifact_path)
        return _relay.request("register_model", name=name, path=rel, runId=run_id or (run.id if run else None))
    store = get_store()
    run = active_run()
    if run_id is None and run is not None:
        run_id = run.id
    rel, digest, _size = artifact(store, artifact_path)

    def insert(c):
        rid = None
        if run_id:
            found = c.execute(RUN_RID, (run_id,)).fetchone()
            if not found:
                raise CellflowError(f"no run {run_id!r}")
            rid = found[0]
        c.execute(MODEL_INSERT, (name, now()), fields={"name": name})
        created = now()
        version = c.execute(MODEL_VERSION_INSERT, (name, rid, rel, digest, created), fields={"model_name": name, "artifact_path": rel}).fetchall()[0][0]
        c.execute(MODEL_VERSION_LINEAGE_INSERT, (created, name, version))
        return version

    return store.write(insert)


def set_alias(name, version, alias):
    """Points `alias` (such as "staging") at a version of a model, moving it if it pointed elsewhere."""
    if _relay.relayed():
        _relay.request("set_alias", name=name, version=version, alias=alias)
        return
    store = get_store()

    def upsert(c):
        if not c.execute(MODEL_VERSION_EXISTS, (name, version)).fetchone():
            raise CellflowError(f"no version {version} of model {name!r}")
        c.execute(ALIAS_UPSERT, (name, alias, version), fields={"alias": alias})

    store.write(upsert)
