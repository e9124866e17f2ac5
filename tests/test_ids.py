"""The snowflake id generator: unique, ordered, 63-bit, thread-safe, and a fresh node per process."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path
import threading
import time

import pytest

from saas.ids import EPOCH_MS, NODE_BITS, SEQUENCE_BITS, IdGenerator, new_id


def _node_of(value: int) -> int:
    return (value >> SEQUENCE_BITS) & ((1 << NODE_BITS) - 1)


def _millis_of(value: int) -> int:
    return (value >> (NODE_BITS + SEQUENCE_BITS)) + EPOCH_MS


def test_many_ids_are_unique_increasing_and_in_range():
    values = [new_id() for _ in range(100_000)]
    assert len(set(values)) == len(values)
    assert all(a < b for a, b in zip(values, values[1:]))
    assert all(0 < v < 2**63 for v in values)


def test_ids_carry_the_current_time_and_node():
    before = int(time.time() * 1000)
    value = new_id()
    after = int(time.time() * 1000)
    assert before <= _millis_of(value) <= after
    assert _node_of(value) == new_id.node


def test_more_than_one_millisecond_of_sequence_stays_unique():
    # 4096 ids fit in one millisecond; more must wait for the next one rather than wrap the sequence
    generator = IdGenerator(node=7)
    values = [generator() for _ in range(3 * (1 << SEQUENCE_BITS))]
    assert len(set(values)) == len(values)
    assert values == sorted(values)
    assert {_node_of(v) for v in values} == {7}


def test_unique_across_threads():
    generator = IdGenerator(node=3)
    per_thread, results = 20_000, []
    start = threading.Barrier(8)

    def work():
        start.wait()  # start together so the threads really contend for the lock
        local = [generator() for _ in range(per_thread)]
        results.append(local)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [v for local in results for v in local]
    assert len(everything) == 8 * per_thread
    assert len(set(everything)) == len(everything)
    for local in results:
        assert local == sorted(local)  # each thread still sees increasing ids


def test_a_fork_may_choose_another_node(monkeypatch):
    monkeypatch.delenv("WORKER_ID", raising=False)
    generator = IdGenerator()
    generator()
    nodes = set()
    for _ in range(50):
        generator._reset()  # what os.register_at_fork runs in the child
        nodes.add(generator.node)
        assert 0 <= generator.node < (1 << NODE_BITS)
    # 50 draws from 1024 nodes all landing on one value is a ~1e-147 chance
    assert len(nodes) > 1
    assert generator._last_ms == -1


def test_a_real_fork_resets_the_generator():
    # run in a fresh interpreter: forking the multi-threaded test process is unsafe and warns
    script = textwrap.dedent(
        """
        import os
        from saas.ids import new_id
        new_id()
        assert new_id._last_ms > 0
        pid = os.fork()
        if pid == 0:
            os._exit(0 if new_id._last_ms == -1 else 1)
        _, status = os.waitpid(pid, 0)
        raise SystemExit(os.waitstatus_to_exitcode(status))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "WORKER_ID"}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=60,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr.decode()


@pytest.mark.parametrize("worker", ["0", "5", "1023"])
def test_worker_id_is_honoured(monkeypatch, worker):
    monkeypatch.setenv("WORKER_ID", worker)
    generator = IdGenerator()
    assert generator.node == int(worker)
    assert _node_of(generator()) == int(worker)
    generator._reset()  # a fork keeps the configured node
    assert generator.node == int(worker)


@pytest.mark.parametrize("worker", ["1024", "1029", "-1"])
def test_worker_id_out_of_range_is_refused(monkeypatch, worker):
    # masking it into 10 bits would give WORKER_ID 1029 and 5 the same node, and so the same ids
    monkeypatch.setenv("WORKER_ID", worker)
    with pytest.raises(ValueError):
        IdGenerator()


def test_fixed_node_wins_over_environment(monkeypatch):
    monkeypatch.setenv("WORKER_ID", "9")
    assert IdGenerator(node=4).node == 4


# Ids read from text: forms, codes such as "custom:<id>", URLs


@pytest.mark.parametrize("text, expected", [
    ("1", 1), ("0", 0), ("123456789012345678", 123456789012345678), (str(2**63 - 1), 2**63 - 1), (42, 42),
    (str(2**63), None), ("9" * 30, None), ("", None), ("²", None), ("١٢", None), ("-1", None), ("+1", None),
    (" 1", None), ("1 ", None), ("1.0", None), ("0x1", None), (None, None), (True, None), (-5, None), (2**63, None),
])
def test_parse_id_reads_plain_digits_that_fit_a_bigint(text, expected):
    from saas.ids import parse_id

    assert parse_id(text) == expected


def test_the_app_reads_int_urls_with_the_bounded_converter(app):
    from saas.ids import MAX_ID, IdConverter

    assert app.url_map.converters["int"] is IdConverter
    adapter = app.url_map.bind(app.config["PLATFORM_HOST"])
    assert adapter.match(f"/operator/stores/{MAX_ID}")[1] == {"tenant_id": MAX_ID}
    for number in (str(MAX_ID + 1), "9" * 40, "١٢"):
        with pytest.raises(Exception) as refused:
            adapter.match(f"/operator/stores/{number}")
        assert getattr(refused.value, "code", None) == 404, number


def test_an_operator_url_with_a_huge_id_is_404(client, create_user, login):
    operator = create_user(is_operator=True)
    login(client, operator)
    assert client.get("/operator/stores/99999999999999999999").status_code == 404
    assert client.post("/operator/jobs/99999999999999999999/requeue").status_code == 404
