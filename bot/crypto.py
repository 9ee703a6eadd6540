"""The callback envelope shared by WeCom and DingTalk: SHA1 signature, AES-256-CBC with 32-byte PKCS#7, and DingTalk's HMAC signs.

WeCom app callbacks and DingTalk event subscriptions use the same scheme (see
shared/protocols/wecom.md §1–§4 and dingtalk.md §6):

* signature = sha1_hex("".join(sorted([token, timestamp, nonce, encrypted])))
* key = base64(EncodingAESKey + "="), 32 bytes; iv = key[:16]; AES-256-CBC
* plaintext = rand(16) | msg_len (4 bytes, big-endian) | msg | receive_id,
  padded PKCS#7-style to a multiple of **32** bytes (pad value 1..32)

The receive id is the corpid for WeCom and the ownerKey (appKey) for DingTalk events.
A decrypted message whose receive id differs is treated as a forged sender.

DingTalk's HTTP-mode robot and custom robot use a separate HMAC-SHA256 sign over
``timestamp + "\\n" + secret`` (dingtalk.md §1 and §4).
"""
import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct
from xml.etree.ElementTree import ParseError

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import DefusedXmlException, ElementTree as defused_etree

from bot.errors import ConfigError, DecryptError, SignatureError

BLOCK = 32          # the pad block of this scheme (not AES's 16)
_KEY_RE = re.compile(r"[A-Za-z0-9]{43}")


class Envelope:
    """Signs, verifies, encrypts and decrypts callback payloads for one app."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str):
        if not isinstance(token, str) or not token:
            raise ConfigError("回调 Token 不能为空 / the callback Token must not be empty")
        if not isinstance(encoding_aes_key, str) or not _KEY_RE.fullmatch(encoding_aes_key):
            length = len(encoding_aes_key) if isinstance(encoding_aes_key, str) else 0
            raise ConfigError(
                "EncodingAESKey 必须是 43 位字母或数字 / EncodingAESKey must be exactly "
                f"43 characters of A-Z, a-z, 0-9 (got {length} characters)")
        key = base64.b64decode(encoding_aes_key + "=")
        if len(key) != 32:
            raise ConfigError(
                "EncodingAESKey 解码后不是 32 字节 / EncodingAESKey does not decode to 32 bytes")
        if not isinstance(receive_id, str):
            raise ConfigError("receive id（corpid / ownerKey）必须是字符串 / receive id must be a string")
        self.token = token
        self.receive_id = receive_id
        self._receive_id_bytes = receive_id.encode("utf-8")
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]))

    # --- signature -------------------------------------------------------------

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        """The SHA1 signature over the sorted token, timestamp, nonce and ciphertext."""
        joined = "".join(sorted([self.token, timestamp, nonce, encrypted]))
        return hashlib.sha1(joined.encode("utf-8")).hexdigest()

    def verify(self, signature, timestamp, nonce, encrypted) -> None:
        """Raise SignatureError unless ``signature`` matches (constant-time compare)."""
        values = (signature, timestamp, nonce, encrypted)
        if any(not isinstance(v, str) or not v for v in values):
            raise SignatureError("missing signature, timestamp, nonce or ciphertext")
        expected = self.signature(timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8")):
            raise SignatureError("callback signature does not match")

    # --- cipher ----------------------------------------------------------------

    def encrypt(self, plaintext: str | bytes, random16: bytes | None = None) -> str:
        """Encrypt one message; returns standard base64 (the ``Encrypt`` / ``echostr`` form)."""
        msg = plaintext.encode("utf-8") if isinstance(plaintext, str) else bytes(plaintext)
        rand = secrets.token_bytes(16) if random16 is None else random16
        if len(rand) != 16:
            raise ValueError("random16 must be exactly 16 bytes")
        data = rand + struct.pack(">I", len(msg)) + msg + self._receive_id_bytes
        pad = BLOCK - len(data) % BLOCK
        data += bytes([pad]) * pad
        encryptor = self._cipher.encryptor()
        return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> bytes:
        """Decrypt and validate one ciphertext; returns the message bytes.

        DecryptError for anything malformed; SignatureError when the trailing
        receive id is not ours (a message meant for, or forged as, another app).
        """
        if not isinstance(encrypted, (str, bytes)):
            raise DecryptError("ciphertext is missing")
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DecryptError("ciphertext is not valid base64") from exc
        if not raw or len(raw) % 16:
            raise DecryptError(f"ciphertext length {len(raw)} is not a non-zero multiple of 16")
        decryptor = self._cipher.decryptor()
        data = decryptor.update(raw) + decryptor.finalize()

        pad = data[-1]
        if not 1 <= pad <= BLOCK or pad > len(data) or data[-pad:] != bytes([pad]) * pad:
            raise DecryptError("bad padding")
        data = data[:-pad]
        if len(data) < 20:
            raise DecryptError("decrypted payload is too short")
        (msg_len,) = struct.unpack(">I", data[16:20])
        if 20 + msg_len > len(data):
            raise DecryptError("message length exceeds the payload")
        msg, receive_id = data[20:20 + msg_len], data[20 + msg_len:]
        if not hmac.compare_digest(receive_id, self._receive_id_bytes):
            raise SignatureError("receive id in the payload does not match ours")
        return msg

    # --- both at once -----------------------------------------------------------

    def open(self, signature, timestamp, nonce, encrypted) -> bytes:
        """Verify the signature, then decrypt: the whole inbound check."""
        self.verify(signature, timestamp, nonce, encrypted)
        return self.decrypt(encrypted)

    def seal(self, plaintext: str | bytes, timestamp: str, nonce: str) -> tuple[str, str]:
        """Encrypt and sign a reply; returns ``(encrypted, signature)``."""
        encrypted = self.encrypt(plaintext)
        return encrypted, self.signature(timestamp, nonce, encrypted)


# --- XML (WeCom) ------------------------------------------------------------------

def _parse_xml(xml: bytes | str):
    """Parse untrusted XML with defusedxml (no DTD, no entity declarations, no external
    entities); any refusal or syntax error becomes DecryptError."""
    try:
        return defused_etree.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ParseError, ValueError, TypeError, RecursionError) as exc:
        raise DecryptError(f"invalid XML: {exc.__class__.__name__}") from exc


def wecom_encrypted_field(body: bytes) -> str:
    """The ``<Encrypt>`` text of an inbound WeCom POST body."""
    node = _parse_xml(body).find("Encrypt")
    text = (node.text or "").strip() if node is not None else ""
    if not text:
        raise DecryptError("no <Encrypt> element in the callback body")
    return text


MAX_XML_DEPTH = 8       # WeCom's callbacks nest four levels at most (SelectedItems)


def _value(element, depth):
    """A leaf's text, or for an element with children a list with one dict per child:
    a child that has children of its own becomes its field dict, a leaf child
    becomes ``{tag: text}``."""
    if len(element) == 0:
        return element.text or ""
    return [_fields(child, depth + 1) if len(child) else {child.tag: child.text or ""}
            for child in element]


def _fields(element, depth=0) -> dict:
    if depth > MAX_XML_DEPTH:
        raise DecryptError("invalid XML: nested deeper than a callback ever is")
    return {child.tag: _value(child, depth) for child in element}


def parse_xml_fields(xml: bytes | str) -> dict[str, str | list]:
    """The direct children of the root as ``{tag: text}``.

    Nested elements come back as lists of dicts (see ``_value``), e.g.
    ``SelectedItems`` → ``[{"QuestionKey": "q", "OptionIds": [{"OptionId": "a"}, ...]}, ...]``.
    A repeated tag at the same level keeps its last value.
    """
    return _fields(_parse_xml(xml))


# --- DingTalk ---------------------------------------------------------------------

def dingtalk_sign(secret: str, timestamp: str) -> str:
    """base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" + secret)), not URL-encoded."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode("utf-8"),
                   hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def verify_dingtalk(timestamp: str | None, sign: str | None, secret: str, now_ms: int,
                    window_ms: int = 3_600_000) -> None:
    """Check the ``timestamp``/``sign`` headers of an HTTP-mode robot callback.

    Raises SignatureError when either is missing, the timestamp is not ASCII digits
    or lies more than ``window_ms`` from ``now_ms``, or the sign does not match.
    """
    if not secret:
        raise ConfigError("钉钉 appSecret 为空 / the DingTalk app secret is empty")
    if not timestamp or not sign:
        raise SignatureError("missing timestamp or sign")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 16:
        raise SignatureError("timestamp is not a millisecond number")
    if abs(now_ms - int(timestamp)) > window_ms:
        raise SignatureError("timestamp is outside the allowed window")
    expected = dingtalk_sign(secret, timestamp)
    if not hmac.compare_digest(expected.encode(), sign.encode("utf-8")):
        raise SignatureError("DingTalk sign does not match")


