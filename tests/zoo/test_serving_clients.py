"""The Python REST and gRPC clients in exported_models/README.md build requests that fit the exported
`predict_sequences` signature; they are run against stand-in servers on 127.0.0.1 that answer with the
committed SavedModel's own signature (no TF Serving needed)."""

from __future__ import annotations

import http.server
import json
import re
import threading
from concurrent import futures
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "exported_models" / "README.md"
SECTION = "## Python clients (REST and gRPC)"


@pytest.fixture(scope="module")
def client() -> dict:
    """The README's client block, executed as a module (its `__main__` part does not run)."""
    text = README.read_text()
    section = text[text.index(SECTION):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {"__name__": "readme_client"}
    exec(compile(code, f"{README}:{SECTION}", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def signature(client):
    """The served model's `predict_sequences` signature, loaded from the committed SavedModel."""
    import tensorflow as tf

    from deepmotif.zoo.version_dirs import versions

    model_dir = REPO / "exported_models" / client["MODEL"]
    if not versions(model_dir):
        pytest.skip("committed exported_models/ not present")
    version_dir = model_dir / str(versions(model_dir)[-1])
    return tf.saved_model.load(str(version_dir)).signatures["predict_sequences"]


def test_rest_body_names_the_signature_and_one_instance_per_sequence(client):
    sequences = client["SEQUENCES"] + ["acgtn" * 20 + "a"]
    body = json.loads(client["rest_request"](sequences))
    assert body == {"signature_name": "predict_sequences", "instances": sequences}


def test_grpc_request_fits_the_exported_signature(client, signature):
    import tensorflow as tf
    from tensorflow.core.framework import types_pb2
    from tensorflow_serving.apis import predict_pb2

    sequences = client["SEQUENCES"] * 3
    request = client["grpc_request"](sequences)
    assert request.model_spec.name == client["MODEL"] and request.model_spec.signature_name == "predict_sequences"
    tensor = request.inputs["sequences"]
    assert tensor.dtype == types_pb2.DT_STRING and [d.size for d in tensor.tensor_shape.dim] == [3]
    assert [s.decode() for s in tf.make_ndarray(tensor)] == sequences
    assert predict_pb2.PredictRequest.FromString(request.SerializeToString()) == request
    assert set(request.inputs) == set(signature.structured_input_signature[1])  # {"sequences"}
    assert "probability" in signature.structured_outputs


def test_both_clients_round_trip_through_stand_in_servers(client, signature, monkeypatch):
    import grpc
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

    def score(strings) -> np.ndarray:
        return signature(sequences=tf.constant(strings))["probability"].numpy()

    class Rest(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            assert self.path == f"/v1/models/{client['MODEL']}:predict"
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            assert body["signature_name"] == "predict_sequences"
            data = json.dumps({"predictions": score(body["instances"]).tolist()}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    class Predictor(prediction_service_pb2_grpc.PredictionServiceServicer):
        def Predict(self, request, context):  # noqa: N802  (gRPC's name)
            assert request.model_spec.signature_name == "predict_sequences"
            strings = [s.decode() for s in tf.make_ndarray(request.inputs["sequences"])]
            response = predict_pb2.PredictResponse()
            response.outputs["probability"].CopyFrom(tf.make_tensor_proto(score(strings)))
            return response

    rest = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Rest)
    threading.Thread(target=rest.serve_forever, daemon=True).start()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(Predictor(), server)
    grpc_port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        sequences = client["SEQUENCES"]
        by_rest = np.array(client["predict_rest"](sequences, port=rest.server_address[1]))
        by_grpc = client["predict_grpc"](sequences, port=grpc_port)
    finally:
        rest.shutdown()
        rest.server_close()
        server.stop(None)
    assert by_grpc.shape == (1, 1) and by_grpc.dtype == np.float32
    np.testing.assert_allclose(by_rest, by_grpc, atol=1e-6)
    np.testing.assert_allclose(by_grpc, score(sequences), atol=1e-6)
    assert 0.0 < by_grpc[0, 0] < 1.0
