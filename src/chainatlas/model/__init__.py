"""The domain model: code systems (``codes``), the chain taxonomy (``taxonomy``), schemas and layer kinds.

Import the submodules directly (``from chainatlas.model.codes import validate_credit_codes``); this package
module stays empty so that importing one part does not load the classification tables of the others.
"""
