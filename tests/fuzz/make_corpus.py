#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ (run from anywhere).

The seeds are checked in; rerun this only to change them. CI never writes
into the repository: it fuzzes a copy (see .ci/test).

fuzz_frame_scan seeds are byte streams. fuzz_route seeds start with a mode
byte (see fuzz_route.cpp): bit 0 set = message mode (lines "<MsgType><body>",
'|' for SOH, wrapped by the harness with a correct header), clear = raw wire
bytes; bits 1-7 = the share of the traffic, out of 127, that ENGINE1 sends
(the rest goes to the exchange leg).
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TS = "20240102-03:04:05.000"  # The harness clock's UTC start.


def fix(fields, begin="FIX.4.4"):
    """'35=D|49=..|...|' -> a framed message with correct 9= and 10=."""
    body = fields.replace("|", "\x01").encode()
    head = f"8={begin}\x019={len(body)}\x01".encode()
    m = head + body
    return m + b"10=%03d\x01" % (sum(m) % 256)


def client(seq, type_, body, begin="FIX.4.4"):
    return fix(f"35={type_}|49=ENGINE1|56=RISKGATE|34={seq}|52={TS}|{body}", begin)


def exch(seq, type_, body):
    return fix(f"35={type_}|49=EXCHANGE|56=RISKGATE|34={seq}|52={TS}|{body}")


NEW = "11=C1|1=ACC1|55=AAPL|54=1|38=100|40=2|44=190.50|59=0|60=" + TS + "|"
CANCEL = "11=C2|41=C1|1=ACC1|55=AAPL|54=1|38=100|60=" + TS + "|"
REPLACE = "11=C3|41=C1|1=ACC1|55=AAPL|54=1|38=200|40=2|44=190.25|59=0|60=" + TS + "|"
ACK = "37=O1|17=X1|11=E1-C1|150=0|39=0|55=AAPL|54=1|38=100|151=100|14=0|6=0|"
FILL = "37=O1|17=X2|11=E1-C1|150=F|39=2|55=AAPL|54=1|38=100|151=0|14=100|6=190.50|32=100|31=190.50|"
REPEATS = {  # tag: the order with that tag standing twice (issue 10)
    "38": NEW + "38=1000000|",
    "44": NEW + "44=1.00|",
    "55": NEW + "55=MSFT|",
    "1": NEW + "1=ACC2|",
    "54": NEW + "54=2|",
    "40": NEW + "40=1|",
}
GROUP_SHORT = NEW + "453=2|448=P1|447=D|452=1|"  # NoPartyIDs 2, one entry
GROUP_LONG = NEW + "453=1|448=P1|447=D|452=1|448=P2|447=D|452=3|"
HEADER_AFTER = NEW + "49=ENGINE1|"
SEQ_AFTER = NEW + "34=99|"


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def route_seed(c, e=b"", lines=True):
    """Mode byte + client part + exchange part, padding the client part so
    that the split lands exactly on the boundary."""
    pad = b"\n" if lines else b"\x00"
    for p in range(0, 256):
        cc = c + pad * p
        n = len(cc) + len(e)
        for k in range(128):
            if n * k // 127 == len(cc):
                return bytes([(k << 1) | (1 if lines else 0)]) + cc + e
    raise SystemExit("no split found")


def main():
    # fuzz_frame_scan: whole, repeated, malformed and split frames.
    t = "fuzz_frame_scan"
    write(t, "new_order", client(2, "D", NEW))
    write(t, "new_order_fix42", client(2, "D", NEW, begin="FIX.4.2"))
    write(t, "cancel", client(3, "F", CANCEL))
    write(t, "replace", client(4, "G", REPLACE))
    write(t, "exec_ack", exch(2, "8", ACK))
    write(t, "exec_fill", exch(3, "8", FILL))
    write(t, "parent_child", client(2, "D", NEW + "7001=P1|7002=1000|"))
    for tag_, body in REPEATS.items():
        write(t, f"repeated_{tag_}", client(2, "D", body))
    write(t, "repeated_7001", client(2, "D", NEW + "7001=P1|7002=10|7001=P2|"))
    write(t, "group_count_short", client(2, "D", GROUP_SHORT))
    write(t, "group_count_long", client(2, "D", GROUP_LONG))
    write(t, "header_after_body", client(2, "D", HEADER_AFTER))
    write(t, "seqnum_after_body", client(2, "D", SEQ_AFTER))
    good = client(2, "D", NEW)
    write(t, "two_glued", good + client(3, "F", CANCEL))
    write(t, "split_frame", good[: len(good) // 2])
    write(t, "garbage_prefix", b"xx8=FI\x01junk" + good)
    bad_sum = bytearray(good)
    bad_sum[-2] = ord("0") + (bad_sum[-2] - ord("0") + 1) % 10
    write(t, "bad_checksum", bytes(bad_sum) + good)
    write(t, "bad_body_length", good.replace(b"9=", b"9=1", 1) + good)
    write(t, "body_length_huge", b"8=FIX.4.4\x019=999999999\x0135=D\x01")
    write(t, "embedded_header", good[:40] + b"\x018=FIX.4.4\x019=5\x01" + good)
    write(t, "no_final_soh", good[:-1])
    write(t, "prices", client(2, "D", NEW.replace("44=190.50", "44=-0.000001") + "6=.5|31=1e5|"))

    # fuzz_route: message-mode scenarios and raw wire bytes.
    t = "fuzz_route"
    line = lambda ty, body: f"{ty}{body}\n".encode()
    write(t, "order", route_seed(line("D", NEW)))
    write(t, "order_ack_fill", route_seed(line("D", NEW), line("8", ACK) + line("8", FILL)))
    write(t, "order_cancel", route_seed(line("D", NEW) + line("F", CANCEL), line("8", ACK)))
    write(t, "order_replace", route_seed(line("D", NEW) + line("G", REPLACE), line("8", ACK)))
    write(t, "parent_child", route_seed(line("D", NEW + "7001=P1|7002=1000|")))
    for tag_, body in REPEATS.items():
        write(t, f"repeated_{tag_}", route_seed(line("D", body)))
    write(t, "repeated_in_replace", route_seed(line("D", NEW) + line("G", REPLACE + "38=9999|")))
    write(t, "group_count_short", route_seed(line("D", GROUP_SHORT)))
    write(t, "group_count_long", route_seed(line("D", GROUP_LONG)))
    write(t, "header_after_body", route_seed(line("D", HEADER_AFTER)))
    write(t, "seqnum_after_body", route_seed(line("D", SEQ_AFTER)))
    write(t, "timers", route_seed(line("D", NEW) + b"~\n~\n~\n", b"~\n" + line("8", ACK)))
    write(t, "exchange_repeated_tag", route_seed(line("D", NEW), line("8", ACK + "11=E1-C9|")))
    # Ids longer than any riskgate issues (the order table keeps 63 bytes).
    long_ids = ACK.replace("11=E1-C1", "11=E1-" + "x" * 100) + "41=E1-" + "y" * 300 + "|"
    write(t, "exchange_long_ids", route_seed(line("D", NEW), line("8", long_ids)))
    write(t, "admin", route_seed(b"0\n1112=T1|\n2" + b"7=1|16=0|\n" + b"5\n"))
    raw_new = client(2, "D", NEW)
    write(t, "raw_order", route_seed(raw_new, lines=False))
    write(t, "raw_order_ack", route_seed(raw_new, exch(2, "8", ACK), lines=False))
    write(t, "raw_two_orders", route_seed(raw_new + client(3, "D", NEW.replace("C1", "C2")),
                                          lines=False))
    write(t, "raw_repeated_38", route_seed(client(2, "D", REPEATS["38"]), lines=False))
    write(t, "raw_garbled_then_good", route_seed(raw_new[:30] + raw_new, lines=False))


if __name__ == "__main__":
    main()
