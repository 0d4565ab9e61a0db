"""The pipeline's stages on the Dask cluster (cluster.py): `python -m PACKAGE.on_cluster.STAGE`.

Each module runs its stage's `main` inside `cluster.run`: prepare and validate process the
data in partitions on the workers (partitions.py), tune and train spread scikit-learn's work
over them through joblib. What they write is what the stages write on one machine.
"""
