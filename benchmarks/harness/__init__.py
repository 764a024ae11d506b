"""What the benchmark scripts share, so each script holds only what it measures.

    mix          the query mix (seed 42) every latency benchmark times, and its warm-up queries
    servers      Django in this process, the search page in process or over HTTP (`PageServer`)
    processes    child processes (gunicorn, manage.py) in process groups of their own, stopped on signals
    databases    plain SQL on a run's database; PostgreSQL databases created and dropped for a run
    measure      percentiles and latency summaries, peak memory, sizes on disk, the machine, JSON out
    compare      engines timed side by side on the mix, interleaved query by query
    clients      the load test's concurrent clients, their request mix and per-phase summaries

Scripts import it as `benchmarks.harness` (the repository on sys.path, as `search` needs anyway).
"""
