"""The callback envelope: official vectors, round trips, wechatpy as a peer, and refusals."""
import base64
import re
import struct
from xml.sax.saxutils import escape

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.crypto import Envelope, dingtalk_sign, parse_xml_fields, verify_dingtalk, wecom_encrypted_field
from bot.errors import ConfigError, DecryptError, SignatureError


# --- the other direction, which the assistant never sends: built here to check Envelope.seal ----
def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def wecom_reply_xml(envelope: Envelope, inner_xml: str, timestamp: str, nonce: str) -> str:
    """The encrypted passive-reply body for a WeCom callback (wecom.md §4)."""
    encrypted, signature = envelope.seal(inner_xml, timestamp, nonce)
    return ("<xml>"
            f"<Encrypt>{_cdata(encrypted)}</Encrypt>"
            f"<MsgSignature>{_cdata(signature)}</MsgSignature>"
            f"<TimeStamp>{escape(timestamp)}</TimeStamp>"
            f"<Nonce>{_cdata(nonce)}</Nonce>"
            "</xml>")


def dingtalk_event_reply(envelope: Envelope, timestamp: str, nonce: str) -> dict:
    """The JSON body that acknowledges a DingTalk event callback: encrypted "success"."""
    encrypted, signature = envelope.seal("success", timestamp, nonce)
    return {"msg_signature": signature, "timeStamp": timestamp, "nonce": nonce,
            "encrypt": encrypted}


# --- vectors (shared/protocols/wecom.md §2.5, dingtalk.md §6 and §8) ------------------

A_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
A_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
A_CORP = "ww1436e0e65a779aee"
A_TS, A_NONCE = "1476416373", "47744683"
A_SIG = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
A_ECHO = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="

B_TOKEN = "QDG6eK"
B_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
B_CORP = "wx5823bf96d3bd56c7"
B_TS, B_NONCE = "1409659813", "1372623149"
B_SIG = "477715d11cdb4164915debcba66cb864d751f3e6"
B_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczc"
    "dCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLj"
    "vd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMn"
    "vw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k"
    "22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2Yoy"
    "yH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)

DT_TOKEN = "mryue"
DT_KEY = "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7"
DT_OWNER = "ding6ccabc44d2c8d38b"
DT_TS, DT_NONCE = "1608001896814", "WL4PK6yA"
DT_ENCRYPT = ("0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmB"
              "KyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3")
DT_SIG = "03044561471240d4a14bb09372dfcfd4fd0e40cb"


def envelope_a():
    return Envelope(A_TOKEN, A_KEY, A_CORP)


def envelope_b():
    return Envelope(B_TOKEN, B_KEY, B_CORP)


def raw_aes(encoding_aes_key):
    """An independent AES-256-CBC cipher for building and inspecting ciphertexts by hand."""
    key = base64.b64decode(encoding_aes_key + "=")
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def raw_encrypt(encoding_aes_key, data: bytes) -> str:
    enc = raw_aes(encoding_aes_key).encryptor()
    return base64.b64encode(enc.update(data) + enc.finalize()).decode()


def raw_decrypt(encoding_aes_key, encrypted: str) -> bytes:
    dec = raw_aes(encoding_aes_key).decryptor()
    return dec.update(base64.b64decode(encrypted)) + dec.finalize()


# --- official vectors ---------------------------------------------------------------

def test_vector_a_get_verification():
    env = envelope_a()
    assert env.signature(A_TS, A_NONCE, A_ECHO) == A_SIG
    assert env.open(A_SIG, A_TS, A_NONCE, A_ECHO) == b"1288432023552776189"
    raw = raw_decrypt(A_KEY, A_ECHO)
    assert len(raw) == 64 and raw[-1] == 7


def test_vector_b_post_message():
    env = envelope_b()
    body = ("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"
            "<AgentID><![CDATA[218]]></AgentID>"
            f"<Encrypt><![CDATA[{B_ENCRYPT}]]></Encrypt></xml>").encode()
    encrypted = wecom_encrypted_field(body)
    assert encrypted == B_ENCRYPT
    inner = env.open(B_SIG, B_TS, B_NONCE, encrypted)
    assert len(inner) == 284
    assert b"<Content><![CDATA[hello]]></Content>" in inner
    fields = parse_xml_fields(inner)
    assert fields["FromUserName"] == "mycreate"
    assert fields["MsgType"] == "text"
    assert fields["Content"] == "hello"
    assert fields["MsgId"] == "4561255354251345929"
    assert fields["AgentID"] == "218"

    raw = raw_decrypt(B_KEY, B_ENCRYPT)
    assert len(raw) == 352 and raw[-1] == 30
    assert base64.b64decode(B_KEY + "=")[:16].hex() == "8d69989bbaabe67328014c194631ad07"
    assert struct.unpack(">I", raw[16:20]) == (284,)
    assert raw[20 + 284:-30] == B_CORP.encode()


def test_dingtalk_event_vector():
    env = Envelope(DT_TOKEN, DT_KEY, DT_OWNER)
    assert env.signature(DT_TS, DT_NONCE, DT_ENCRYPT) == DT_SIG
    assert env.open(DT_SIG, DT_TS, DT_NONCE, DT_ENCRYPT) == b'{"EventType":"check_url"}'


def test_dingtalk_event_reply_round_trip():
    env = Envelope(DT_TOKEN, DT_KEY, DT_OWNER)
    reply = dingtalk_event_reply(env, "1700000000000", "abcdEFGH12345678")
    assert set(reply) == {"msg_signature", "timeStamp", "nonce", "encrypt"}
    assert reply["timeStamp"] == "1700000000000" and reply["nonce"] == "abcdEFGH12345678"
    assert env.open(reply["msg_signature"], reply["timeStamp"], reply["nonce"],
                    reply["encrypt"]) == b"success"


@pytest.mark.parametrize("secret, timestamp, expected", [
    ("this is secret", "1577262236757", "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM="),
    ("SECabc123", "1700000000000", "N5P09a4+p1AMJIJWnIvQd2Yxw9+fu/oEBnPrjCcsLXk="),
])
def test_dingtalk_hmac_vectors(secret, timestamp, expected):
    assert dingtalk_sign(secret, timestamp) == expected
    verify_dingtalk(timestamp, expected, secret, now_ms=int(timestamp))


# --- round trips ---------------------------------------------------------------------

@pytest.mark.parametrize("plaintext", [
    "", "x", "中文消息 with emoji 🎉", "a" * 12, "b" * 100, "<xml><Content>hi</Content></xml>",
])
def test_round_trip(plaintext):
    env = envelope_b()
    encrypted, signature = env.seal(plaintext, "1700000000", "nonce1")
    assert env.open(signature, "1700000000", "nonce1", encrypted) == plaintext.encode()
    raw = raw_decrypt(B_KEY, encrypted)
    assert len(raw) % 32 == 0 and 1 <= raw[-1] <= 32


def test_full_pad_block_when_aligned():
    env = envelope_b()
    # 16 + 4 + msg + 18 (corpid) = 64 when msg is 26 bytes: a whole extra block of 32
    encrypted = env.encrypt("z" * 26, random16=b"0123456789abcdef")
    raw = raw_decrypt(B_KEY, encrypted)
    assert len(raw) == 96 and raw[-32:] == bytes([32]) * 32
    assert env.decrypt(encrypted) == b"z" * 26


def test_encrypt_is_deterministic_given_random16():
    env = envelope_b()
    assert env.encrypt(b"hi", b"R" * 16) == env.encrypt("hi", b"R" * 16)
    assert env.encrypt("hi") != env.encrypt("hi")
    with pytest.raises(ValueError):
        env.encrypt("hi", b"short")


def test_wecom_reply_xml_shape_and_round_trip():
    env = envelope_b()
    reply = wecom_reply_xml(env, "<xml><Content>ok</Content></xml>", "1700000000", "n]]>1")
    fields = parse_xml_fields(reply)
    assert set(fields) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}
    assert fields["Nonce"] == "n]]>1" and fields["TimeStamp"] == "1700000000"
    assert re.fullmatch(r"[0-9a-f]{40}", fields["MsgSignature"])
    assert env.open(fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"],
                    wecom_encrypted_field(reply.encode())) == b"<xml><Content>ok</Content></xml>"


def test_parse_xml_fields_nested_selected_items():
    xml = ("<xml><MsgType><![CDATA[event]]></MsgType><Event>template_card_event</Event>"
           "<CreateTime>1700000000</CreateTime><Empty></Empty>"
           "<SelectedItems>"
           "<SelectedItem><QuestionKey>q1</QuestionKey>"
           "<OptionIds><OptionId>a</OptionId><OptionId>b</OptionId></OptionIds></SelectedItem>"
           "<SelectedItem><QuestionKey>q2</QuestionKey>"
           "<OptionIds><OptionId>c</OptionId></OptionIds></SelectedItem>"
           "</SelectedItems></xml>")
    fields = parse_xml_fields(xml)
    assert fields["MsgType"] == "event" and fields["CreateTime"] == "1700000000"
    assert fields["Empty"] == ""
    assert fields["SelectedItems"] == [
        {"QuestionKey": "q1", "OptionIds": [{"OptionId": "a"}, {"OptionId": "b"}]},
        {"QuestionKey": "q2", "OptionIds": [{"OptionId": "c"}]},
    ]


# --- wechatpy as an independent peer ------------------------------------------------

def test_wechatpy_encrypts_we_open():
    crypto = pytest.importorskip("wechatpy.enterprise.crypto")
    peer = crypto.WeChatCrypto(B_TOKEN, B_KEY, B_CORP)
    inner = ("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"
             "<FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1700000000</CreateTime>"
             "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content>"
             "<MsgId>1234567890123456789</MsgId><AgentID>1000002</AgentID></xml>")
    envelope_xml = peer.encrypt_message(inner, "nonce42", "1700000000")
    sig = parse_xml_fields(envelope_xml)["MsgSignature"]
    got = envelope_b().open(sig, "1700000000", "nonce42", wecom_encrypted_field(envelope_xml.encode()))
    assert got.decode() == inner
    assert parse_xml_fields(got)["Content"] == "你好"


def test_wechatpy_echostr_we_open():
    crypto = pytest.importorskip("wechatpy.enterprise.crypto")
    utils = pytest.importorskip("wechatpy.utils")
    echo = crypto.PrpCrypto(base64.b64decode(B_KEY + "=")).encrypt("8675309", B_CORP)
    echo = echo.decode() if isinstance(echo, bytes) else echo
    signer = utils.WeChatSigner()
    signer.add_data(B_TOKEN, "1700000001", "n1", echo)
    assert envelope_b().open(signer.signature, "1700000001", "n1", echo) == b"8675309"


def test_we_encrypt_wechatpy_decrypts():
    crypto = pytest.importorskip("wechatpy.enterprise.crypto")
    peer = crypto.WeChatCrypto(B_TOKEN, B_KEY, B_CORP)
    inner = ("<xml><ToUserName>zhangsan</ToUserName><FromUserName>wx5823bf96d3bd56c7</FromUserName>"
             "<CreateTime>1700000000</CreateTime><MsgType>text</MsgType>"
             "<Content>已收到 ✓</Content></xml>")
    reply = wecom_reply_xml(envelope_b(), inner, "1700000002", "n2")
    sig = parse_xml_fields(reply)["MsgSignature"]
    assert peer.decrypt_message(reply, sig, "1700000002", "n2") == inner

    encrypted, signature = envelope_b().seal("13579", "1700000003", "n3")
    assert peer.check_signature(signature, "1700000003", "n3", encrypted) == "13579"


def test_wechatpy_refuses_our_tampered_signature():
    crypto = pytest.importorskip("wechatpy.enterprise.crypto")
    exceptions = pytest.importorskip("wechatpy.exceptions")
    peer = crypto.WeChatCrypto(B_TOKEN, B_KEY, B_CORP)
    reply = wecom_reply_xml(envelope_b(), "<xml/>", "1700000002", "n2")
    with pytest.raises(exceptions.InvalidSignatureException):
        peer.decrypt_message(reply, "0" * 40, "1700000002", "n2")


# --- refusals -------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("012bc692d0a58dd4b10f8dfe5c4ac00ae211ebec", A_TS, A_NONCE, A_ECHO),   # last digit changed
    (A_SIG.upper(), A_TS, A_NONCE, A_ECHO),
    (A_SIG, "1476416374", A_NONCE, A_ECHO),
    (A_SIG, A_TS, "47744684", A_ECHO),
    (A_SIG, A_TS, A_NONCE, A_ECHO.replace("fsi1", "fsi2")),
    (None, A_TS, A_NONCE, A_ECHO),
    ("", A_TS, A_NONCE, A_ECHO),
    (A_SIG, None, A_NONCE, A_ECHO),
    (A_SIG, A_TS, None, A_ECHO),
    (A_SIG, A_TS, A_NONCE, None),
    ("签名", A_TS, A_NONCE, A_ECHO),
])
def test_bad_signature(args):
    with pytest.raises(SignatureError):
        envelope_a().open(*args)


def test_wrong_receive_id_is_a_signature_error():
    forged = Envelope(B_TOKEN, B_KEY, "wwSomeoneElse")
    encrypted, signature = forged.seal("<xml/>", "1700000000", "n")
    env = envelope_b()
    env.verify(signature, "1700000000", "n", encrypted)      # the signature itself is fine
    with pytest.raises(SignatureError):
        env.open(signature, "1700000000", "n", encrypted)
    with pytest.raises(SignatureError):
        Envelope(A_TOKEN, A_KEY, "ww1436e0e65a779aeX").decrypt(A_ECHO)


@pytest.mark.parametrize("encrypted", [
    "", "not base64!!", "abc", "YWJj\n", A_ECHO[:-4] + "%3D%3D", "中文",
])
def test_bad_base64_or_empty(encrypted):
    with pytest.raises(DecryptError):
        envelope_a().decrypt(encrypted)


def test_truncated_ciphertext():
    raw = base64.b64decode(B_ENCRYPT)
    for cut in (raw[:-1], raw[:-15], raw[:-16], raw[:-32], raw[:16], raw[:15]):
        with pytest.raises(DecryptError):
            envelope_b().decrypt(base64.b64encode(cut).decode())


def _payload(msg: bytes, corp: str = B_CORP, msg_len: int | None = None) -> bytes:
    length = len(msg) if msg_len is None else msg_len
    return b"R" * 16 + struct.pack(">I", length) + msg + corp.encode()


@pytest.mark.parametrize("pad_byte", [0, 33, 255])
def test_pad_byte_out_of_range(pad_byte):
    data = _payload(b"hello")
    data += bytes([pad_byte]) * (32 - len(data) % 32)
    with pytest.raises(DecryptError):
        envelope_b().decrypt(raw_encrypt(B_KEY, data))


def test_inconsistent_pad_bytes():
    data = _payload(b"hello")
    pad = 32 - len(data) % 32
    data += bytes([0x55]) * (pad - 1) + bytes([pad])
    with pytest.raises(DecryptError):
        envelope_b().decrypt(raw_encrypt(B_KEY, data))


def test_msg_len_overflow():
    for claimed in (1000, 2 ** 32 - 1):
        data = _payload(b"hello", msg_len=claimed)
        pad = 32 - len(data) % 32
        data += bytes([pad]) * pad
        with pytest.raises(DecryptError):
            envelope_b().decrypt(raw_encrypt(B_KEY, data))


def test_payload_too_short_for_header():
    data = b"R" * 16 + bytes([16]) * 16          # no msg_len at all
    with pytest.raises(DecryptError):
        envelope_b().decrypt(raw_encrypt(B_KEY, data))


@pytest.mark.parametrize("key", [
    "", "short", A_KEY[:-1], A_KEY + "A", A_KEY[:-1] + "+", A_KEY[:-1] + "=", A_KEY[:-1] + "-",
    None,
])
def test_wrong_key_is_config_error(key):
    with pytest.raises(ConfigError) as info:
        Envelope(A_TOKEN, key, A_CORP)
    assert "43" in str(info.value) and "EncodingAESKey" in str(info.value)


def test_empty_token_is_config_error():
    with pytest.raises(ConfigError):
        Envelope("", A_KEY, A_CORP)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<xml><Encrypt>&lol4;</Encrypt></xml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>a</ToUserName><Encrypt>&xxe;</Encrypt></xml>"""

PLAIN_DOCTYPE = b"""<?xml version="1.0"?><!DOCTYPE xml><xml><Encrypt>abcd</Encrypt></xml>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY, PLAIN_DOCTYPE])
def test_xml_with_dtd_is_refused(body):
    with pytest.raises(DecryptError):
        wecom_encrypted_field(body)
    with pytest.raises(DecryptError):
        parse_xml_fields(body)
    with pytest.raises(DecryptError):
        parse_xml_fields(body.decode())


@pytest.mark.parametrize("body", [
    b"", b"not xml", b"<xml><Encrypt>abc</xml>", b"<xml><ToUserName>a</ToUserName></xml>",
    b"<xml><Encrypt></Encrypt></xml>", b"<xml><Inner><Encrypt>abc</Encrypt></Inner></xml>",
])
def test_bad_outer_xml(body):
    with pytest.raises(DecryptError):
        wecom_encrypted_field(body)


# --- DingTalk HMAC refusals -------------------------------------------------------------

SECRET, TS = "SECabc123", "1700000000000"
SIGN = "N5P09a4+p1AMJIJWnIvQd2Yxw9+fu/oEBnPrjCcsLXk="


def test_dingtalk_window_edges():
    ts = int(TS)
    verify_dingtalk(TS, SIGN, SECRET, now_ms=ts + 3_600_000)
    verify_dingtalk(TS, SIGN, SECRET, now_ms=ts - 3_600_000)
    for now in (ts + 3_600_001, ts - 3_600_001):
        with pytest.raises(SignatureError):
            verify_dingtalk(TS, SIGN, SECRET, now_ms=now)
    with pytest.raises(SignatureError):
        verify_dingtalk(TS, SIGN, SECRET, now_ms=ts + 1001, window_ms=1000)


@pytest.mark.parametrize("timestamp, sign, secret", [
    (None, SIGN, SECRET),
    ("", SIGN, SECRET),
    (TS, None, SECRET),
    (TS, "", SECRET),
    ("17000000000x0", SIGN, SECRET),
    ("-1700000000000", SIGN, SECRET),
    ("1700000000000.0", SIGN, SECRET),
    ("１７００００００００００００", SIGN, SECRET),   # full-width digits
    ("9" * 5000, SIGN, SECRET),
    (TS, SIGN.replace("N5P", "N5Q"), SECRET),
    (TS, "N5P09a4%2Bp1AMJIJWnIvQd2Yxw9%2Bfu%2FoEBnPrjCcsLXk%3D", SECRET),   # URL form in a header
    (TS, SIGN, "SECabc124"),
    (TS, "签名", SECRET),
])
def test_dingtalk_bad_sign(timestamp, sign, secret):
    with pytest.raises(SignatureError):
        verify_dingtalk(timestamp, sign, secret, now_ms=int(TS))


def test_dingtalk_empty_secret_is_config_error():
    with pytest.raises(ConfigError):
        verify_dingtalk(TS, SIGN, "", now_ms=int(TS))
