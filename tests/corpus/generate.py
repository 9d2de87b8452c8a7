#!/usr/bin/env python3
"""Writes the hostile-request corpus: one raw HTTP/1.x request per file, exact bytes.

    python3 tests/corpus/generate.py           rewrite every *.http file in this folder
    python3 tests/corpus/generate.py --check   exit 1 if the files on disk differ from what this writes

File names are NNN-STAGE-description.http (see README.md). Output is deterministic: no randomness,
no clock, stable order; stale *.http files are removed on a rewrite.
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_REQUEST_LINE = 8192   # HttpLimits.MaxRequestLineBytes
MAX_HEADER_BYTES = 32768  # HttpLimits.MaxHeaderBytes
MAX_HEADER_COUNT = 100    # HttpLimits.MaxHeaderCount
MAX_NAME = 128            # HttpLimits.MaxNameLength
MAX_CHUNK_LINE = 4096     # HttpLimits.MaxChunkLineBytes

STAGES = ("head", "route", "body", "ok")
NAME_RE = re.compile(r"^[1-5][0-9]{2}-(head|route|body|ok)-[A-Za-z0-9_-]+\.http$")

cases = {}


def add(status, stage, desc, data):
    assert stage in STAGES, stage
    assert isinstance(data, bytes)
    name = f"{status}-{stage}-{desc}.http"
    assert NAME_RE.match(name), name
    assert name not in cases, f"duplicate {name}"
    cases[name] = data


def req(method=b"GET", target=b"/recordings", headers=((b"Host", b"recd"),), body=b"", version=b"HTTP/1.1"):
    """A well-formed head from parts; hostile bytes go into the parts or are written raw."""
    out = method + b" " + target + b" " + version + b"\r\n"
    for name, value in headers:
        out += name + b": " + value + b"\r\n"
    return out + b"\r\n" + body


def raw(text):
    return text.encode("latin-1")


HOST = b"Host: recd\r\n"


def rec(desc):
    """A recording name unique to one corpus file, so 409 'exists' never interferes."""
    return b"/recordings/c-" + desc.encode()


# ---------------------------------------------------------------- request smuggling shapes (head)

def smuggling():
    put = b"PUT /recordings/smuggle HTTP/1.1\r\n" + HOST
    body = b"0\r\n\r\nGET /recordings/admin HTTP/1.1\r\nHost: recd\r\n\r\n"
    add(400, "head", "cl-then-te", put + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    add(400, "head", "te-then-cl", put + b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" + body)
    add(400, "head", "te-then-cl-zero", put + b"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n" + body)
    add(400, "head", "cl-te-classic-smuggle", put + b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG")
    add(400, "head", "te-cl-lowercase-names", put + b"transfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n" + body)
    add(400, "head", "te-space-before-colon", put + b"Transfer-Encoding : chunked\r\n\r\n" + body)
    add(400, "head", "te-tab-before-colon", put + b"Transfer-Encoding\t: chunked\r\n\r\n" + body)
    add(400, "head", "te-duplicate", put + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    add(400, "head", "te-duplicate-mixed-case", put + b"Transfer-Encoding: chunked\r\ntRaNsFeR-eNcOdInG: CHUNKED\r\n\r\n" + body)
    add(400, "head", "te-duplicate-gzip-then-chunked", put + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n" + body)
    add(501, "head", "te-xchunked", put + b"Transfer-Encoding: xchunked\r\n\r\n" + body)
    add(501, "head", "te-chunkedx", put + b"Transfer-Encoding: chunkedx\r\n\r\n" + body)
    add(501, "head", "te-chunked-comma-gzip", put + b"Transfer-Encoding: chunked, gzip\r\n\r\n" + body)
    add(501, "head", "te-gzip-comma-chunked", put + b"Transfer-Encoding: gzip, chunked\r\n\r\n" + body)
    add(501, "head", "te-chunked-comma-chunked", put + b"Transfer-Encoding: chunked, chunked\r\n\r\n" + body)
    add(501, "head", "te-gzip", put + b"Transfer-Encoding: gzip\r\n\r\n" + body)
    add(501, "head", "te-identity", put + b"Transfer-Encoding: identity\r\n\r\n" + body)
    add(501, "head", "te-quoted", put + b"Transfer-Encoding: \"chunked\"\r\n\r\n" + body)
    add(501, "head", "te-with-parameter", put + b"Transfer-Encoding: chunked;q=1\r\n\r\n" + body)
    add(501, "head", "te-obs-text-suffix", put + b"Transfer-Encoding: chunked\xff\r\n\r\n" + body)
    add(400, "head", "te-vertical-tab", put + b"Transfer-Encoding:\x0bchunked\r\n\r\n" + body)
    add(400, "head", "te-form-feed", put + b"Transfer-Encoding: chunked\x0c\r\n\r\n" + body)
    add(400, "head", "te-obs-fold", put + b"Transfer-Encoding: chunked\r\n , identity\r\n\r\n" + body)
    # Lines are judged in order: the empty coding is refused before the fold on the next line is seen.
    add(501, "head", "te-empty-then-obs-fold", put + b"Transfer-Encoding:\r\n chunked\r\n\r\n" + body)
    add(400, "head", "te-leading-space-line", put + b" Transfer-Encoding: chunked\r\n\r\n" + body)
    add(400, "head", "te-in-http10", b"PUT /recordings/smuggle HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    add(400, "head", "te-nul-in-name", put + b"Transfer-Encoding\x00: chunked\r\n\r\n" + body)
    add(400, "head", "te-cr-in-value", put + b"Transfer-Encoding: chunked\rX-A: 1\r\n\r\n" + body)
    add(400, "head", "te-bare-lf-second-te", put + b"Transfer-Encoding: identity\nTransfer-Encoding: chunked\r\n\r\n" + body)
    add(400, "head", "cl-duplicate-same", put + b"Content-Length: 4\r\nContent-Length: 4\r\n\r\nevil")
    add(400, "head", "cl-duplicate-different", put + b"Content-Length: 4\r\nContent-Length: 40\r\n\r\nevil")
    add(400, "head", "cl-duplicate-case", put + b"Content-Length: 4\r\ncontent-LENGTH: 4\r\n\r\nevil")
    add(400, "head", "cl-plus-sign", put + b"Content-Length: +4\r\n\r\nevil")
    add(400, "head", "cl-minus-sign", put + b"Content-Length: -4\r\n\r\nevil")
    add(400, "head", "cl-comma-list", put + b"Content-Length: 4, 4\r\n\r\nevil")
    add(400, "head", "cl-comma-no-space", put + b"Content-Length: 4,4\r\n\r\nevil")
    add(400, "head", "cl-space-inside", put + b"Content-Length: 4 0\r\n\r\nevil")
    add(400, "head", "cl-hex", put + b"Content-Length: 0x4\r\n\r\nevil")
    add(400, "head", "cl-decimal-point", put + b"Content-Length: 4.0\r\n\r\nevil")
    add(400, "head", "cl-exponent", put + b"Content-Length: 4e0\r\n\r\nevil")
    add(400, "head", "cl-empty", put + b"Content-Length:\r\n\r\nevil")
    add(400, "head", "cl-nul", put + b"Content-Length: 4\x00\r\n\r\nevil")
    add(400, "head", "cl-unicode-digit", put + b"Content-Length: \xd9\xa4\r\n\r\nevil")
    add(400, "head", "cl-space-before-colon", put + b"Content-Length : 4\r\n\r\nevil")
    add(400, "head", "cl-obs-fold", put + b"Content-Length:\r\n 4\r\n\r\nevil")
    add(400, "head", "cl-19-digits", put + b"Content-Length: 1000000000000000000\r\n\r\nevil")
    add(400, "head", "cl-long-max-plus-one", put + b"Content-Length: 9223372036854775808\r\n\r\nevil")
    add(400, "head", "cl-ulong-wraps-to-4", put + b"Content-Length: 18446744073709551620\r\n\r\nevil")
    add(400, "head", "cl-40-digits", put + b"Content-Length: " + b"9" * 40 + b"\r\n\r\nevil")
    add(400, "head", "cl-negative-long-min", put + b"Content-Length: -9223372036854775808\r\n\r\nevil")
    add(400, "head", "obs-fold-space", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-A: 1\r\n 2\r\n\r\n")
    add(400, "head", "obs-fold-tab", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-A: 1\r\n\t2\r\n\r\n")
    add(400, "head", "obs-fold-host", b"GET /recordings HTTP/1.1\r\nHost:\r\n recd\r\n\r\n")
    add(400, "head", "space-before-first-header", b"GET /recordings HTTP/1.1\r\n Host: recd\r\n\r\n")
    # An underscore name is a different, unknown field: the PUT has no framing at all.
    add(411, "route", "te-underscore-is-not-te", put + b"Transfer_Encoding: chunked\r\n\r\n")


# ---------------------------------------------------------------- line endings

def line_endings():
    add(400, "head", "bare-lf-request-line", b"GET /recordings HTTP/1.1\n" + HOST + b"\r\n")
    add(400, "head", "bare-lf-header", b"GET /recordings HTTP/1.1\r\nHost: recd\nX-A: 1\r\n\r\n")
    add(400, "head", "bare-lf-terminator", b"GET /recordings HTTP/1.1\r\n" + HOST + b"\n")
    add(400, "head", "bare-lf-everywhere", b"GET /recordings HTTP/1.1\nHost: recd\n\n")
    add(400, "head", "bare-lf-first-byte", b"\nGET /recordings HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "bare-cr-request-line", b"GET /recordings HTTP/1.1\r" + HOST + b"\r\n")
    add(400, "head", "bare-cr-header", b"GET /recordings HTTP/1.1\r\nHost: recd\rX-A: 1\r\n\r\n")
    add(400, "head", "bare-cr-terminator", b"GET /recordings HTTP/1.1\r\n" + HOST + b"\r\r\n\r\n")
    add(400, "head", "cr-cr-lf-request-line", b"GET /recordings HTTP/1.1\r\r\n" + HOST + b"\r\n")
    add(400, "head", "lf-cr-line-ends", b"GET /recordings HTTP/1.1\n\rHost: recd\n\r\n\r")
    add(400, "head", "five-leading-empty-lines", b"\r\n" * 5 + b"GET /recordings HTTP/1.1\r\n" + HOST + b"\r\n")
    add(200, "ok", "leading-empty-line", b"\r\nGET /recordings HTTP/1.1\r\n" + HOST + b"\r\n")


# ---------------------------------------------------------------- NUL and other control bytes

def control_bytes():
    add(400, "head", "nul-in-method", b"G\x00ET /recordings HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "nul-before-method", b"\x00GET /recordings HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "nul-in-target", b"GET /recordings/x\x00.ts HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "nul-truncates-traversal", b"GET /recordings/x\x00/../../etc/passwd HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "nul-in-version", b"GET /recordings HTTP/1.1\x00\r\n" + HOST + b"\r\n")
    add(400, "head", "nul-in-header-name", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-\x00A: 1\r\n\r\n")
    add(400, "head", "nul-in-header-value", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-A: a\x00b\r\n\r\n")
    add(400, "head", "nul-in-host", b"GET /recordings HTTP/1.1\r\nHost: re\x00cd\r\n\r\n")
    add(400, "head", "nul-only", b"\x00\x00\x00\x00\r\n\r\n")
    add(400, "head", "soh-in-value", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-A: a\x01b\r\n\r\n")
    add(400, "head", "esc-in-value", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-A: \x1b[2J\r\n\r\n")
    add(400, "head", "del-in-value", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-A: a\x7fb\r\n\r\n")
    add(400, "head", "tab-in-target", b"GET /recordings/a\tb HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "del-in-target", b"GET /recordings/a\x7fb HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "obs-text-in-target", b"GET /recordings/caf\xe9 HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "utf8-overlong-dot-raw-in-target", b"GET /recordings/\xc0\xae\xc0\xae/x HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "obs-text-in-method", b"G\xc9T /recordings HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "obs-text-in-header-name", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-\xe9: 1\r\n\r\n")
    add(200, "ok", "obs-text-in-header-value", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-Title: Caf\xe9 \x80\xff\r\n\r\n")


# ---------------------------------------------------------------- sizes and counts

def limits():
    filler = MAX_REQUEST_LINE + 100
    add(414, "head", "request-line-over-8k", b"GET /recordings?" + b"a" * filler + b" HTTP/1.1\r\n" + HOST + b"\r\n")
    add(414, "head", "request-line-16k-unterminated", b"GET /" + b"a" * (2 * MAX_REQUEST_LINE))
    add(414, "head", "method-over-8k", b"G" * (MAX_REQUEST_LINE + 1) + b" /recordings HTTP/1.1\r\n" + HOST + b"\r\n")
    add(414, "head", "recording-name-over-8k", b"GET /recordings/" + b"n" * filler + b" HTTP/1.1\r\n" + HOST + b"\r\n")
    add(200, "ok", "request-line-8000", b"GET /recordings?" + b"a" * (8000 - 30) + b" HTTP/1.1\r\n" + HOST + b"\r\n")
    add(431, "head", "header-name-33k", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X" * (MAX_HEADER_BYTES + 1024) + b": 1\r\n\r\n")
    add(431, "head", "header-value-33k", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-Big: " + b"v" * (MAX_HEADER_BYTES + 1024) + b"\r\n\r\n")
    add(431, "head", "header-line-over-32k-unterminated", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-Big: " + b"v" * MAX_HEADER_BYTES)
    add(431, "head", "host-value-33k", b"GET /recordings HTTP/1.1\r\nHost: " + b"h" * (MAX_HEADER_BYTES + 1024) + b"\r\n\r\n")
    add(431, "head", "head-total-over-32k", b"GET /recordings HTTP/1.1\r\n" + HOST
        + b"".join(b"X-H%02d: " % i + b"v" * 400 + b"\r\n" for i in range(90)) + b"\r\n")
    add(431, "head", "cookies-over-32k", b"GET /recordings HTTP/1.1\r\n" + HOST
        + b"".join(b"Cookie: c%d=" % i + b"z" * 1000 + b"\r\n" for i in range(40)) + b"\r\n")
    add(431, "head", "too-many-headers-101", b"GET /recordings HTTP/1.1\r\n" + HOST
        + b"".join(b"X-%d: %d\r\n" % (i, i) for i in range(1, MAX_HEADER_COUNT + 1)) + b"\r\n")
    add(431, "head", "too-many-headers-2000", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X: 1\r\n" * 2000 + b"\r\n")
    add(431, "head", "too-many-empty-value-headers", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X:\r\n" * 200 + b"\r\n")
    add(200, "ok", "headers-exactly-100", b"GET /recordings HTTP/1.1\r\n" + HOST
        + b"".join(b"X-%d: %d\r\n" % (i, i) for i in range(1, MAX_HEADER_COUNT)) + b"\r\n")
    add(200, "ok", "header-name-4k", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X" * 4096 + b": 1\r\n\r\n")
    add(200, "ok", "head-just-under-32k", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-Big: " + b"v" * 32000 + b"\r\n\r\n")


# ---------------------------------------------------------------- request line, version, Host, Expect

def request_line():
    add(400, "head", "http09-simple-request", b"GET /\r\n\r\n")
    add(400, "head", "http09-recordings", b"GET /recordings/x\r\n\r\n")
    add(400, "head", "h2-preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    add(400, "head", "h2-preface-then-settings", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
    add(505, "head", "http-2-0", b"GET /recordings HTTP/2.0\r\n" + HOST + b"\r\n")
    add(505, "head", "http-1-2", b"GET /recordings HTTP/1.2\r\n" + HOST + b"\r\n")
    add(505, "head", "http-3-0", b"GET /recordings HTTP/3.0\r\n" + HOST + b"\r\n")
    add(505, "head", "http-0-9-version", b"GET /recordings HTTP/0.9\r\n\r\n")
    add(505, "head", "http-9-9-put", b"PUT /recordings/x HTTP/9.9\r\n" + HOST + b"Content-Length: 4\r\n\r\nevil")
    add(400, "head", "version-lowercase", b"GET /recordings http/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "version-trailing-space", b"GET /recordings HTTP/1.1 \r\n" + HOST + b"\r\n")
    add(400, "head", "version-two-digit-minor", b"GET /recordings HTTP/1.10\r\n" + HOST + b"\r\n")
    add(400, "head", "version-no-minor", b"GET /recordings HTTP/1\r\n" + HOST + b"\r\n")
    add(400, "head", "version-empty", b"GET /recordings \r\n" + HOST + b"\r\n")
    add(400, "head", "version-garbage", b"GET /recordings HTTP/1.1x\r\n" + HOST + b"\r\n")
    add(400, "head", "version-icy", b"GET /recordings ICY\r\n" + HOST + b"\r\n")
    add(400, "head", "double-space-before-target", b"GET  /recordings HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "double-space-after-target", b"GET /recordings  HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "tab-separators", b"GET\t/recordings\tHTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "leading-space-method", b" GET /recordings HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "method-separator-char", b"GE(T) /recordings HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "space-in-target", b"GET /recordings/a b HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "space-in-target-traversal", b"GET /recordings/x /../../etc/passwd HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "absolute-form-get", b"GET http://127.0.0.1/recordings/x HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "absolute-form-put", b"PUT http://127.0.0.1/recordings/x HTTP/1.1\r\n" + HOST + b"Content-Length: 4\r\n\r\nevil")
    add(400, "head", "absolute-form-https", b"GET https://recd/recordings HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "absolute-form-file", b"GET file:///etc/passwd HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "authority-form-connect", b"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n")
    add(400, "head", "asterisk-form-options", b"OPTIONS * HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "relative-target", b"GET recordings/x HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "fragment", b"GET /recordings/x#frag HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "fragment-traversal", b"GET /recordings/x#/../../etc/passwd HTTP/1.1\r\n" + HOST + b"\r\n")
    add(400, "head", "tls-client-hello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(32)) + b"\r\n\r\n")
    add(400, "head", "missing-host", b"GET /recordings HTTP/1.1\r\n\r\n")
    add(400, "head", "missing-host-put", b"PUT /recordings/x HTTP/1.1\r\nContent-Length: 4\r\n\r\nevil")
    add(400, "head", "duplicate-host", b"GET /recordings HTTP/1.1\r\nHost: recd\r\nHost: recd\r\n\r\n")
    add(400, "head", "duplicate-host-different", b"GET /recordings HTTP/1.1\r\nHost: recd\r\nhost: evil.example\r\n\r\n")
    add(400, "head", "duplicate-range", b"GET /recordings/x HTTP/1.1\r\n" + HOST + b"Range: bytes=0-1\r\nRange: bytes=2-3\r\n\r\n")
    add(400, "head", "duplicate-content-range", b"PUT /recordings/x HTTP/1.1\r\n" + HOST
        + b"Content-Length: 4\r\nContent-Range: bytes 0-3/*\r\nContent-Range: bytes 4-7/*\r\n\r\nevil")
    add(400, "head", "duplicate-authorization", b"GET /recordings HTTP/1.1\r\n" + HOST + b"Authorization: a\r\nAuthorization: b\r\n\r\n")
    add(417, "head", "expect-other", b"PUT /recordings/x HTTP/1.1\r\n" + HOST + b"Content-Length: 4\r\nExpect: 200-ok\r\n\r\nevil")
    add(417, "head", "expect-continue-typo", b"PUT /recordings/x HTTP/1.1\r\n" + HOST + b"Content-Length: 4\r\nExpect: 100-continu\r\n\r\nevil")
    add(417, "head", "expect-empty", b"GET /recordings HTTP/1.1\r\n" + HOST + b"Expect:\r\n\r\n")
    add(400, "head", "empty-header-name", b"GET /recordings HTTP/1.1\r\n" + HOST + b": 1\r\n\r\n")
    add(400, "head", "header-without-colon", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X-A 1\r\n\r\n")
    add(400, "head", "header-name-with-space", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X A: 1\r\n\r\n")
    add(400, "head", "header-name-with-slash", b"GET /recordings HTTP/1.1\r\n" + HOST + b"X/A: 1\r\n\r\n")
    add(200, "ok", "expect-continue-on-get", b"GET /recordings HTTP/1.1\r\n" + HOST + b"Expect: 100-continue\r\n\r\n")
    add(200, "ok", "http10-no-host", b"GET /recordings HTTP/1.0\r\n\r\n")
    add(200, "ok", "empty-host", b"GET /recordings HTTP/1.1\r\nHost:\r\n\r\n")


# ---------------------------------------------------------------- traversal against /recordings/NAME

TRAVERSAL = [
    ("dotdot-slash-x", b"../x"),
    ("dotdot-etc-passwd", b"../../etc/passwd"),
    ("dotdot-deep-etc-passwd", b"../../../../../../../../etc/passwd"),
    ("dotdot", b".."),
    ("dot", b"."),
    ("dot-hidden", b".x"),
    ("dot-manifest", b".x.manifest"),
    ("dotdot-pct2f-x", b"..%2fx"),
    ("dotdot-pct2F-etc-passwd", b"..%2F..%2Fetc%2Fpasswd"),
    ("pct2e-pct2e", b"%2e%2e"),
    ("pct2e-pct2e-pct2f-x", b"%2e%2e%2fx"),
    ("pct2E-pct2E-pct2F", b"%2E%2E%2F"),
    ("pct2E-pct2E-pct2F-etc-passwd", b"%2E%2E%2Fetc%2Fpasswd"),
    ("dot-pct2e", b".%2e"),
    ("pct2e-dot", b"%2e."),
    ("dotdot-pct5c-x", b"..%5cx"),
    ("dotdot-pct5C-etc", b"..%5C..%5Cetc%5Cpasswd"),
    ("double-encoded-dotdot", b"%252e%252e"),
    ("double-encoded-dotdot-slash", b"%252e%252e%252fx"),
    ("utf8-overlong-dot", b"%c0%ae%c0%ae"),
    ("utf8-overlong-dot-slash", b"%c0%ae%c0%ae%c0%afetc%c0%afpasswd"),
    ("iis-unicode-dot", b"%u002e%u002e"),
    ("backslash-x", b"..\\x"),
    ("backslash-etc-passwd", b"..\\..\\etc\\passwd"),
    ("empty-segment", b"/x"),
    ("sub-path", b"a/b"),
    ("dotdot-inside-path", b"a/../b"),
    ("dotdot-semicolon", b"..;/x"),
    ("pct00", b"x%00"),
    ("pct2f-inside", b"x%2fy"),
    ("absolute-pct2f", b"%2fetc%2fpasswd"),
    ("space-encoded", b"x%20y"),
    ("plus", b"x+y"),
    ("colon", b"x:y"),
    ("tilde", b"~"),
    ("name-129", b"n" * (MAX_NAME + 1)),
]


def traversal():
    for slug, name in TRAVERSAL:
        target = b"/recordings/" + name
        add(400, "route", f"traversal-get-{slug}", req(b"GET", target))
        add(400, "route", f"traversal-head-{slug}", req(b"HEAD", target))
        add(400, "route", f"traversal-delete-{slug}", req(b"DELETE", target))
        add(400, "route", f"traversal-put-{slug}", req(b"PUT", target, ((b"Host", b"recd"), (b"Content-Length", b"4")), b"evil"))
    add(400, "route", "traversal-put-chunked-dotdot-etc-passwd",
        req(b"PUT", b"/recordings/../../etc/passwd", ((b"Host", b"recd"), (b"Transfer-Encoding", b"chunked")), b"4\r\nevil\r\n0\r\n\r\n"))
    add(400, "route", "traversal-put-overwrite-dotdot",
        req(b"PUT", b"/recordings/../x?overwrite=1", ((b"Host", b"recd"), (b"Content-Length", b"4")), b"evil"))
    # Outside /recordings/ entirely: no resource there.
    add(404, "route", "outside-root-dotdot-etc-passwd", req(b"GET", b"/../etc/passwd"))
    add(404, "route", "outside-etc-passwd", req(b"GET", b"/etc/passwd"))
    add(404, "route", "outside-pct2e-etc-passwd", req(b"GET", b"/%2e%2e/%2e%2e/etc/passwd"))
    add(404, "route", "outside-recordings-pct2f", req(b"GET", b"/recordings%2f..%2fetc%2fpasswd"))
    add(404, "route", "outside-recordings-dotdot-suffix", req(b"GET", b"/recordings.."))
    add(404, "route", "outside-double-slash-recordings", req(b"GET", b"//recordings/x"))
    add(404, "route", "outside-uppercase-recordings", req(b"GET", b"/Recordings/x"))
    add(404, "route", "outside-pct-encoded-prefix", req(b"GET", b"/%72ecordings/x"))
    add(404, "route", "outside-put-etc-passwd", req(b"PUT", b"/etc/passwd", ((b"Host", b"recd"), (b"Content-Length", b"4")), b"evil"))
    add(404, "route", "outside-put-dotdot-tmp", req(b"PUT", b"/../../tmp/recd-evil", ((b"Host", b"recd"), (b"Content-Length", b"4")), b"evil"))
    # The query is not part of the name.
    add(404, "route", "query-traversal-get", req(b"GET", b"/recordings/c-query-traversal-get?../../etc/passwd"))
    add(400, "route", "query-path-traversal-put",
        req(b"PUT", rec("query-path-traversal-put") + b"?path=../../x", ((b"Host", b"recd"), (b"Content-Length", b"4")), b"evil"))
    add(201, "ok", "query-overwrite-traversal-put",
        req(b"PUT", rec("query-overwrite-traversal-put") + b"?overwrite=../../x", ((b"Host", b"recd"), (b"Content-Length", b"4")), b"evil"))


# ---------------------------------------------------------------- methods and routing

def routing():
    cl4 = ((b"Host", b"recd"), (b"Content-Length", b"4"))
    add(501, "route", "method-brew-root", req(b"BREW", b"/"))
    add(501, "route", "method-brew-recording", req(b"BREW", b"/recordings/x"))
    add(501, "route", "method-patch-recording", req(b"PATCH", b"/recordings/x"))
    add(501, "route", "method-options-recording", req(b"OPTIONS", b"/recordings/x"))
    add(501, "route", "method-trace-list", req(b"TRACE", b"/recordings"))
    add(501, "route", "method-propfind-root", req(b"PROPFIND", b"/"))
    add(501, "route", "method-lowercase-get-list", req(b"get", b"/recordings"))
    add(501, "route", "method-lowercase-put-recording", req(b"put", b"/recordings/x"))
    add(501, "route", "method-extension-token", req(b"M-SEARCH", b"/recordings/x"))
    add(405, "route", "method-post-recording", req(b"POST", b"/recordings/x"))
    add(405, "route", "method-post-list", req(b"POST", b"/recordings"))
    add(405, "route", "method-post-list-slash", req(b"POST", b"/recordings/"))
    add(405, "route", "method-delete-list", req(b"DELETE", b"/recordings"))
    add(405, "route", "method-put-list", req(b"PUT", b"/recordings", cl4, b"evil"))
    add(404, "route", "method-post-root", req(b"POST", b"/"))
    add(404, "route", "unknown-path", req(b"GET", b"/nothing-here"))
    add(404, "route", "root", req(b"GET", b"/"))
    add(404, "route", "put-unknown-path", req(b"PUT", b"/upload/x", cl4, b"evil"))
    add(400, "route", "get-with-body", req(b"GET", b"/recordings", cl4, b"evil"))
    add(400, "route", "get-recording-with-body", req(b"GET", b"/recordings/x", cl4, b"evil"))
    add(400, "route", "get-with-chunked-body", req(b"GET", b"/recordings", ((b"Host", b"recd"), (b"Transfer-Encoding", b"chunked")), b"4\r\nevil\r\n0\r\n\r\n"))
    add(400, "route", "head-with-body", req(b"HEAD", b"/recordings", cl4, b"evil"))
    add(400, "route", "delete-with-body", req(b"DELETE", b"/recordings/x", cl4, b"evil"))
    add(400, "route", "post-with-body", req(b"POST", b"/recordings/x", cl4, b"evil"))
    add(400, "route", "brew-with-body", req(b"BREW", b"/", cl4, b"evil"))
    add(411, "route", "put-no-length", req(b"PUT", rec("put-no-length")))
    add(400, "route", "put-bad-content-range", req(b"PUT", rec("put-bad-content-range"),
        ((b"Host", b"recd"), (b"Content-Length", b"4"), (b"Content-Range", b"bytes 0-3")), b"evil"))
    add(400, "route", "put-content-range-not-matching-length", req(b"PUT", rec("put-content-range-not-matching-length"),
        ((b"Host", b"recd"), (b"Content-Length", b"4"), (b"Content-Range", b"bytes 0-9/*")), b"evil"))
    add(400, "route", "put-content-range-reversed", req(b"PUT", rec("put-content-range-reversed"),
        ((b"Host", b"recd"), (b"Content-Length", b"4"), (b"Content-Range", b"bytes 3-0/*")), b"evil"))
    add(416, "route", "put-resume-offset-mismatch", req(b"PUT", rec("put-resume-offset-mismatch"),
        ((b"Host", b"recd"), (b"Content-Length", b"4"), (b"Content-Range", b"bytes 100-103/*")), b"evil"))
    add(400, "route", "put-unknown-write-path", req(b"PUT", rec("put-unknown-write-path") + b"?path=mmap", cl4, b"evil"))
    add(404, "route", "get-missing-recording", req(b"GET", b"/recordings/c-get-missing-recording"))
    add(404, "route", "delete-missing-recording", req(b"DELETE", b"/recordings/c-delete-missing-recording"))
    add(404, "route", "get-name-exactly-128-missing", req(b"GET", b"/recordings/" + b"m" * MAX_NAME))
    add(200, "ok", "get-list", req(b"GET", b"/recordings"))
    add(200, "ok", "get-list-slash", req(b"GET", b"/recordings/"))
    add(200, "ok", "head-list", req(b"HEAD", b"/recordings"))
    add(200, "ok", "get-list-http10-keep-alive", req(b"GET", b"/recordings", ((b"Connection", b"keep-alive"),), version=b"HTTP/1.0"))
    add(201, "ok", "put-content-length", req(b"PUT", rec("put-content-length"), cl4, b"good"))
    add(201, "ok", "put-content-length-zero", req(b"PUT", rec("put-content-length-zero"), ((b"Host", b"recd"), (b"Content-Length", b"0"))))
    add(201, "ok", "put-http10", req(b"PUT", rec("put-http10"), ((b"Content-Length", b"4"),), b"good", version=b"HTTP/1.0"))
    add(201, "ok", "put-chunked", req(b"PUT", rec("put-chunked"), ((b"Host", b"recd"), (b"Transfer-Encoding", b"chunked")),
        b"4\r\ngood\r\n0\r\n\r\n"))
    add(201, "ok", "put-chunked-uppercase-te-and-hex", req(b"PUT", rec("put-chunked-uppercase-te-and-hex"),
        ((b"Host", b"recd"), (b"Transfer-Encoding", b"CHUNKED")), b"A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n"))
    add(201, "ok", "put-chunked-extensions-trailer", req(b"PUT", rec("put-chunked-extensions-trailer"),
        ((b"Host", b"recd"), (b"Transfer-Encoding", b"chunked")), b"4;name=value\r\ngood\r\n0;last\r\nX-Sum: 1\r\n\r\n"))
    add(201, "ok", "put-chunked-expect-continue", req(b"PUT", rec("put-chunked-expect-continue"),
        ((b"Host", b"recd"), (b"Transfer-Encoding", b"chunked"), (b"Expect", b"100-continue")), b"4\r\ngood\r\n0\r\n\r\n"))
    add(201, "ok", "put-content-range-at-zero", req(b"PUT", rec("put-content-range-at-zero"),
        ((b"Host", b"recd"), (b"Content-Length", b"4"), (b"Content-Range", b"bytes 0-3/*")), b"good"))
    add(201, "ok", "put-name-exactly-128", req(b"PUT", b"/recordings/" + b"c" * MAX_NAME, cl4, b"good"))


# ---------------------------------------------------------------- bad chunked bodies on a valid PUT

def chunked_bodies():
    bodies = [
        ("chunk-size-zz", b"zz\r\nevil\r\n0\r\n\r\n"),
        ("chunk-size-negative", b"-1\r\nevil\r\n0\r\n\r\n"),
        ("chunk-size-plus", b"+4\r\nevil\r\n0\r\n\r\n"),
        ("chunk-size-0x", b"0x4\r\nevil\r\n0\r\n\r\n"),
        ("chunk-size-16-hex-digits", b"1000000000000000\r\nevil\r\n0\r\n\r\n"),
        ("chunk-size-16-hex-leading-zeros", b"0000000000000004\r\nevil\r\n0\r\n\r\n"),
        ("chunk-size-ffff-x5", b"ffffffffffffffffffff\r\nevil\r\n0\r\n\r\n"),
        ("chunk-size-leading-space", b" 4\r\nevil\r\n0\r\n\r\n"),
        ("chunk-size-empty-line", b"\r\nevil\r\n0\r\n\r\n"),
        ("chunk-size-garbage-after", b"4 x\r\nevil\r\n0\r\n\r\n"),
        ("chunk-size-decimal-point", b"4.0\r\nevil\r\n0\r\n\r\n"),
        ("chunk-size-unicode-digit", b"\xd9\xa4\r\nevil\r\n0\r\n\r\n"),
        ("chunk-size-bare-lf", b"4\nevil\r\n0\r\n\r\n"),
        ("chunk-size-cr-cr-lf", b"4\r\r\nevil\r\n0\r\n\r\n"),
        ("chunk-ext-ctl", b"4;a=\x01\r\nevil\r\n0\r\n\r\n"),
        ("chunk-ext-nul", b"4;a\x00b\r\nevil\r\n0\r\n\r\n"),
        ("chunk-ext-bare-cr", b"4;a\rb\r\nevil\r\n0\r\n\r\n"),
        ("chunk-line-over-4k", b"4;" + b"e" * (MAX_CHUNK_LINE + 100)),
        ("data-missing-crlf", b"4\r\nevilXX0\r\n\r\n"),
        ("data-longer-than-size", b"4\r\nevil-and-more\r\n0\r\n\r\n"),
        ("data-bare-lf", b"4\r\nevil\n0\r\n\r\n"),
        ("data-cr-without-lf", b"4\r\nevil\rX0\r\n\r\n"),
        ("data-smuggled-request", b"4\r\nevilGET /recordings/admin HTTP/1.1\r\nHost: recd\r\n\r\n"),
        ("second-chunk-size-bad", b"4\r\ngood\r\nzz\r\nevil\r\n0\r\n\r\n"),
        ("last-chunk-bare-lf", b"4\r\ngood\r\n0\n\r\n"),
        ("trailer-bare-lf", b"4\r\ngood\r\n0\r\nX-Sum: 1\n\r\n"),
        ("trailer-obs-fold", b"4\r\ngood\r\n0\r\nX-Sum: 1\r\n 2\r\n\r\n"),
        ("trailer-missing-colon", b"4\r\ngood\r\n0\r\nX-Sum 1\r\n\r\n"),
        ("trailer-nul", b"4\r\ngood\r\n0\r\nX-Sum: \x00\r\n\r\n"),
        ("trailer-smuggled-request", b"4\r\ngood\r\n0\r\nGET /recordings/admin HTTP/1.1\r\n\r\n"),
        ("trailer-over-32k", b"4\r\ngood\r\n0\r\nX-Big: " + b"t" * (MAX_HEADER_BYTES + 100)),
    ]
    for desc, body in bodies:
        add(400, "body", desc, req(b"PUT", rec(desc), ((b"Host", b"recd"), (b"Transfer-Encoding", b"chunked")), body))
    # The 100 Continue goes out first; the framing error comes after it.
    add(400, "body", "expect-continue-then-chunk-size-zz", req(b"PUT", rec("expect-continue-then-chunk-size-zz"),
        ((b"Host", b"recd"), (b"Transfer-Encoding", b"chunked"), (b"Expect", b"100-continue")), b"zz\r\n"))


def build():
    cases.clear()
    smuggling()
    line_endings()
    control_bytes()
    limits()
    request_line()
    traversal()
    routing()
    chunked_bodies()
    return cases


def main():
    check = "--check" in sys.argv[1:]
    wanted = build()
    present = {f for f in os.listdir(HERE) if f.endswith(".http")}
    problems = []
    for name in sorted(present - set(wanted)):
        problems.append(f"stale: {name}")
        if not check:
            os.remove(os.path.join(HERE, name))
    for name, data in sorted(wanted.items()):
        path = os.path.join(HERE, name)
        current = None
        if os.path.exists(path):
            with open(path, "rb") as f:
                current = f.read()
        if current != data:
            problems.append(f"{'missing' if current is None else 'differs'}: {name}")
            if not check:
                with open(path, "wb") as f:
                    f.write(data)
    if check:
        for p in problems:
            print(p, file=sys.stderr)
        print(f"corpus: {len(wanted)} files, {len(problems)} out of date", file=sys.stderr)
        return 1 if problems else 0
    print(f"corpus: {len(wanted)} files written to {HERE} ({len(problems)} changed)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
