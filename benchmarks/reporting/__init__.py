"""benchmarks/report.py in parts: one module a job.

    tables           Markdown cells and tables, and the targets' checks (met / MISSED / ...)
    sources          what the report reads: the JSON files, the Makefile, git, the machine
    core             the report's frame: a section with its sources and targets, header, summary
    search_sections  import, search latency, the synthetic build, references, index size
    other_sections   export, shared passages, actors, memory, hostile input, load test
"""
