"""Stage tune on the Dask cluster: each combination of the grid is a task on a worker."""

import sys

from .. import cluster, tune

if __name__ == "__main__":
    sys.exit(cluster.run("tune", tune.main))
