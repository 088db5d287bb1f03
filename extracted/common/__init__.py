"""What the extracted services share: the monolith's HTTP behaviour, rebuilt in Flask.

Clients must not notice which side answered, so the error shape, token check,
input rules, pagination links and JSON rendering here follow the monolith
(Django REST framework) to the byte where it matters. The rest is how a service
runs: its command line (cli), settings (settings), runtime parts (runtime) and
the inbox and watermark tables every service keeps (models).
"""
