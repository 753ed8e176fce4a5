# SPDX-License-Identifier: Apache-2.0
# setuptools entry point: only what pyproject.toml cannot say — the cffi extension module.
from setuptools import setup

setup(cffi_modules=["sltd_build.py:ffi"])
