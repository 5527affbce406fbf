"""A Dask scheduler and workers as separate processes on localhost (for tests and benchmarks).

What a user does on a cluster with ``dask scheduler`` and ``dask worker ADDRESS``, here on free
ports of 127.0.0.1, with the plugin importable by the workers through ``PYTHONPATH`` (the
folder holding the ``soil_moisture_downscaling`` link, never the repository root).
"""
import os
import socket
import subprocess
import sys

from plugin_package import plugin_parent_dir


def free_port():
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


class LocalhostCluster:
    """A `dask scheduler` and `dask worker` processes on localhost, on free ports, killed at the end.
    Workers run without a nanny, so a killed worker stays dead."""

    def __init__(self, n_workers, folder):
        port = free_port()
        self.address = 'tcp://127.0.0.1:{}'.format(port)
        self.env = dict(os.environ, PYTHONPATH=plugin_parent_dir())
        self.log = open(os.path.join(folder, 'cluster.log'), 'w')
        self.scheduler = self._start(['distributed.cli.dask_scheduler', '--host', '127.0.0.1', '--port', str(port),
                                      '--dashboard-address', ':0', '--no-show'])
        self.workers = [self._start(['distributed.cli.dask_worker', self.address, '--nthreads', '1', '--no-nanny',
                                     '--host', '127.0.0.1', '--dashboard-address', ':0',
                                     '--local-directory', os.path.join(folder, 'worker{}'.format(k))])
                        for k in range(n_workers)]
        self._wait_for_workers(n_workers)

    def _start(self, args):
        return subprocess.Popen([sys.executable, '-m'] + args, env=self.env, stdout=self.log, stderr=self.log,
                                cwd=os.path.dirname(self.log.name))

    def _wait_for_workers(self, n_workers, timeout=60.0):
        from distributed import Client
        with Client(self.address, timeout=timeout) as client:
            client.wait_for_workers(n_workers, timeout=timeout)

    def close(self):
        for process in self.workers + [self.scheduler]:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
        self.log.close()
