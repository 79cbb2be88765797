# Only the names fnmlp's code and tests use: see typings/README.md.
from sklearn import datasets as datasets
from sklearn import neural_network as neural_network

__version__: str
