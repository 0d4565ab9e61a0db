"""Stage prepare on the Dask cluster: the data in partitions (partitions.py)."""

import sys

from .. import cluster, partitions

if __name__ == "__main__":
    sys.exit(cluster.run("prepare", partitions.prepare))
