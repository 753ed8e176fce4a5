# SPDX-License-Identifier: Apache-2.0
# setuptools entry point: only what pyproject.toml cannot say — the cffi extension module (sltd._native,
# over libsltd) and the plain CPython one that packs documents for it (sltd._pack).
from setuptools import Extension, setup

setup(
    cffi_modules=["sltd_build.py:ffi"],
    ext_modules=[Extension("sltd._pack", ["src/sltdpack.c"], extra_compile_args=["-std=c11", "-Wall", "-Wextra"])],
)
