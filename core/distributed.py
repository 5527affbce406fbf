"""Running the dates of a series on a Dask cluster (dask.distributed), when one is asked for.

Dask is imported only here and only when a cluster is used: the plugin and the command line
work without it. Each item is one task; a task reads its inputs from storage every worker
sees and writes its own output there, and only a small result comes back. Tasks that raise
are retried ``retries`` times; the tasks of a worker that dies are rerun on the others by
the scheduler itself. Cancelling (the progress's cancel) cancels the futures.

Workers must be able to import this package (``pip install soil_moisture_downscaling[dask]``
on every node) and reach the input and output paths under the same names.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence, Union
import time
import uuid

from .errors import InputError

if TYPE_CHECKING:
    from .progress import Progress

#: Seconds between two looks at the user's cancel while tasks run.
POLL_SECONDS = 0.25
INSTALL_HINT = ('Running on a Dask cluster needs the Python packages dask and distributed: '
                'pip install "soil_moisture_downscaling[dask]" (Debian: apt install python3-distributed).')


@dataclass
class ClusterSpec:
    """Where to run: a running scheduler (``address``, e.g. tcp://10.0.0.5:8786), or a local
    cluster of ``workers`` processes started for the run."""
    address: Optional[str] = None
    workers: int = 0
    retries: int = 2

    def validate(self) -> None:
        if not self.address and self.workers < 1:
            raise InputError('Give a Dask scheduler address or a number of local worker processes (1 or more).')
        if self.retries < 0:
            raise InputError('The number of retries must be 0 or more (got {}).'.format(self.retries))

    def describe(self) -> str:
        if self.address:
            return 'the Dask scheduler at {}'.format(self.address)
        return 'a local Dask cluster of {} worker process(es)'.format(self.workers)


def check(spec: ClusterSpec) -> None:
    """Refuse a bad spec or a missing Dask before any work is done."""
    spec.validate()
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(INSTALL_HINT)


def _connect(spec):
    """(client, local cluster or None) for a spec; a scheduler that cannot be reached is bad input."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError(INSTALL_HINT)
    if spec.address:
        try:
            return Client(spec.address, timeout=30, set_as_default=False), None
        except (OSError, TimeoutError) as error:
            raise InputError('Cannot reach the Dask scheduler at {} ({}). Check the address (tcp://host:8786) and '
                             'that the scheduler is running.'.format(spec.address, error))
    import logging
    # One thread per process: a date uses the pipeline's own threads.
    cluster = LocalCluster(n_workers=spec.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    return Client(cluster, set_as_default=False), cluster


class Session:
    """A connection to the cluster of a spec, kept for several maps (a local cluster starts once).
    Usable where a ClusterSpec is: ``map_on_cluster`` takes either."""

    def __init__(self, spec: ClusterSpec):
        spec.validate()
        self.spec = spec
        self.client, self.cluster = _connect(spec)

    def describe(self) -> str:
        return self.spec.describe()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def map_on_cluster(function: Callable[[Any], Any], items: Sequence[Any], cluster: Union[ClusterSpec, Session],
                   progress: Progress, on_result: Callable[[int, Any], object]) -> None:
    """``function(item)`` for every item as one Dask task each, on ``cluster`` (a ClusterSpec, or
    a Session to reuse); ``on_result(index, result)`` is called here as each finishes (in
    completion order) and may raise to stop the run.

    Progress moves by finished tasks; the user's cancel (or an exception from ``on_result``)
    cancels the futures that have not finished.
    """
    session = cluster if isinstance(cluster, Session) else Session(cluster)
    client, spec = session.client, session.spec
    futures = []
    try:
        run = uuid.uuid4().hex[:8]
        keys = ['smd-{}-{}-{}'.format(getattr(item, 'day', index), run, index) for index, item in enumerate(items)]
        futures = client.map(function, items, key=keys, retries=spec.retries, pure=False)
        position = {future.key: index for index, future in enumerate(futures)}
        progress.info('{} task(s) sent to {}.'.format(len(futures), spec.describe()))
        pending, done = set(futures), 0
        progress.report(0.0)
        while pending:
            progress.check()
            finished = [future for future in pending if future.done()]
            if not finished:
                time.sleep(POLL_SECONDS)
                continue
            for future in finished:
                pending.discard(future)
                on_result(position[future.key], future.result())
                done += 1
                progress.report(done / len(futures))
    except BaseException:
        if futures:
            client.cancel(futures)
        raise
    finally:
        if session is not cluster:
            session.close()

