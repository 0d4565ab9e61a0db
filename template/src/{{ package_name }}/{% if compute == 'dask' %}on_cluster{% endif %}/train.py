"""Stage train on the Dask cluster: scikit-learn's parallel work (a forest's trees) runs on
the workers; a model that trains in one piece (PyTorch, the baseline) trains here as usual."""

import sys

from .. import cluster, train

if __name__ == "__main__":
    sys.exit(cluster.run("train", train.main))
