"""A stand-alone OCP (OceanBase Cloud Platform) simulator for ocpdash's tests and demos.

Run it with ``python -m ocpdash.simulator --port 8700``; see README.md in this package.
It imports nothing from Django or the ocpdash apps.
"""
