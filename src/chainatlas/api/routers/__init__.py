"""One module per resource; each defines ``router = APIRouter()``; :mod:`chainatlas.api.app` includes them."""
