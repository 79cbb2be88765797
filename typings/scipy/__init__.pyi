# Only the names fnmlp's code and tests use: see typings/README.md.
from scipy import optimize as optimize
from scipy import sparse as sparse
