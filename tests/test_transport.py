"""The messenger HTTP transport honours the environment as requests would (proxies, NO_PROXY, a
CA bundle), read once, and never sends ~/.netrc credentials to a messenger API."""
import datetime
import http.server
import ipaddress
import json
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.channels.http import Transport
from bot.errors import ChannelError


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with {"ok": true}; records the request line and the headers."""
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self.server.seen.append((self.path, dict(self.headers)))
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    servers = []

    def start(context=None):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        server.seen = []
        if context is not None:
            server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def test_a_proxy_in_the_environment_carries_the_calls(serve, clean_env):
    proxy = serve()
    clean_env.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_port}")
    transport = Transport("企业微信")
    for _ in range(2):          # the second call uses what the first looked up
        response = transport.request("GET", "http://qyapi.example.test/cgi-bin/gettoken?corpid=c")
        assert response.json() == {"ok": True}
    # a forward proxy is asked for the absolute URL
    assert [path for path, _ in proxy.seen] == ["http://qyapi.example.test/cgi-bin/gettoken?corpid=c"] * 2


def test_no_proxy_names_a_host_that_is_called_directly(serve, clean_env):
    proxy, api = serve(), serve()
    clean_env.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_port}")
    clean_env.setenv("NO_PROXY", "127.0.0.1")
    response = Transport("钉钉").request("GET", f"http://127.0.0.1:{api.server_port}/v1.0/x")
    assert response.json() == {"ok": True}
    assert proxy.seen == []
    assert [path for path, _ in api.seen] == ["/v1.0/x"]


def test_netrc_credentials_are_never_sent(serve, clean_env, tmp_path):
    api = serve()
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password secret\n")
    netrc.chmod(0o600)
    clean_env.setenv("NETRC", str(netrc))
    clean_env.setenv("HOME", str(tmp_path))
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(netrc))      # (as corporate machines set it; unused over http)
    Transport("企业微信").request("GET", f"http://127.0.0.1:{api.server_port}/cgi-bin/x")
    (_, headers), = api.seen
    assert "Authorization" not in headers


def _certificate_authority(tmp_path):
    """A CA and a certificate for 127.0.0.1 signed by it: (CA file, server SSL context)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file, cert_file, key_file = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return ca_file, context


def test_the_ca_bundle_in_the_environment_is_trusted(serve, clean_env, tmp_path):
    ca_file, context = _certificate_authority(tmp_path)
    api = serve(context)
    url = f"https://127.0.0.1:{api.server_port}/cgi-bin/x"
    with pytest.raises(ChannelError) as refused:        # an unknown CA: a network error, typed
        Transport("企业微信").request("GET", url)
    assert refused.value.retry
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(ca_file))
    assert Transport("企业微信").request("GET", url).json() == {"ok": True}
