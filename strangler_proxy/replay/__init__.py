"""Record and replay: live traffic to HAR files, and HAR or request files sent to both sides.

    model.py          a request to replay, whatever file it came from
    har.py            HAR 1.2: entries written (with the `harfile` library), files read and checked
    recorder.py       the proxy's recorder: samples of shadowed traffic, redacted, to rotating HAR files
    requests_file.py  a plain list of requests (`GET /path`, or JSON lines) for a quick check
    runner.py         send each request to the monolith and the extracted side, compare, count
    junit.py          the replay's verdict as JUnit XML for CI
    errors.py         bad input files
"""
