/* SPDX-License-Identifier: Apache-2.0 */
/* sltdpack.c — the extension module sltd._pack: a block of documents, given as Python rows or columns
 * of str, packed into the one buffer sltdpy_lookup_packed reads (NUL-terminated UTF-8 strings, state,
 * number [, type] per document), in one pass over the Python objects, every value checked on the way.
 * A plain CPython extension because cffi gives C no Python objects to read: done in Python, the same
 * work walks every tuple and string three times (shape, join, NUL count). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string.h>

/* The packed buffer under construction (malloc'd, grown by doubling). */
struct buf {
    char *data;
    size_t len;
    size_t cap;
};

static int buf_reserve(struct buf *b, size_t more)
{
    size_t cap = b->cap != 0 ? b->cap : 16384; /* a block of 1,024 documents of two short strings */
    char *grown;

    if (more > PY_SSIZE_T_MAX - b->len) {
        PyErr_NoMemory();
        return -1;
    }
    if (b->len + more <= b->cap)
        return 0;
    while (cap < b->len + more)
        cap *= 2;
    grown = PyMem_Realloc(b->data, cap);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = grown;
    b->cap = cap;
    return 0;
}

/* Records document `index`'s field `field` as refused: (index, field) appended to `bad`. */
static int refuse(PyObject *bad, Py_ssize_t index, int field)
{
    PyObject *const pair = Py_BuildValue("(ni)", index, field);
    int rc;

    if (pair == NULL)
        return -1;
    rc = PyList_Append(bad, pair);
    Py_DECREF(pair);
    return rc;
}

/* Copies the n bytes of src to dst; whether a NUL was among them (one pass: the copy is the check; the
 * strings are short, so a loop rather than calls of memchr and memcpy). */
static int copy_has_nul(char *dst, const char *src, size_t n)
{
    unsigned char nul = 0;
    size_t j;

    for (j = 0; j < n; j++) {
        dst[j] = src[j];
        nul |= (unsigned char)(src[j] == '\0');
    }
    return nul;
}

/* Appends value `v`, field `field` (0 state, 1 number, 2 type) of document `index`, as a NUL-terminated
 * UTF-8 string. A type of None is "" (no filter). A value that is not a str, holds a NUL (it would shift
 * every string after it) or cannot be encoded (a lone surrogate) is packed as "" and (index, field) goes
 * to `bad`: its document is never looked up as something else. 0, or -1 with an exception set. */
static int put_value(struct buf *b, PyObject *bad, PyObject *v, Py_ssize_t index, int field)
{
    const char *utf8 = "";
    Py_ssize_t len = 0;
    int refused = 0;

    if (PyUnicode_Check(v) && PyUnicode_IS_COMPACT_ASCII(v)) { /* the usual case: its bytes are UTF-8 */
        utf8 = (const char *)PyUnicode_DATA(v);
        len = PyUnicode_GET_LENGTH(v);
    } else if (v == Py_None && field == 2) {
        /* no type filter: "" */
    } else if (!PyUnicode_Check(v)) {
        refused = 1;
    } else if ((utf8 = PyUnicode_AsUTF8AndSize(v, &len)) == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError))
            return -1;
        PyErr_Clear();
        utf8 = "";
        len = 0;
        refused = 1;
    }
    if (buf_reserve(b, (size_t)len + 1) != 0)
        return -1;
    if (copy_has_nul(b->data + b->len, utf8, (size_t)len)) {
        len = 0;
        refused = 1;
    }
    if (refused && refuse(bad, index, field) != 0)
        return -1;
    b->data[b->len + (size_t)len] = '\0';
    b->len += (size_t)len + 1;
    return 0;
}

/* 0 when `seq` is a list or tuple with items lo to hi; -1 with an exception set otherwise. */
static int check_block(PyObject *seq, Py_ssize_t lo, Py_ssize_t hi)
{
    if (!PyList_Check(seq) && !PyTuple_Check(seq)) {
        PyErr_SetString(PyExc_TypeError, "a list or tuple is needed");
        return -1;
    }
    if (lo < 0 || hi < lo || hi > PySequence_Fast_GET_SIZE(seq)) {
        PyErr_SetString(PyExc_IndexError, "block out of range");
        return -1;
    }
    return 0;
}

/* Item i of `seq` (a list or tuple; borrowed), read afresh: code that runs while a block is packed (a
 * collection's finaliser) may have shortened a list. NULL with an exception set when i is past its end. */
static PyObject *item_at(PyObject *seq, Py_ssize_t i)
{
    if (i >= PySequence_Fast_GET_SIZE(seq)) {
        PyErr_SetString(PyExc_RuntimeError, "the documents changed while they were being packed");
        return NULL;
    }
    return PySequence_Fast_GET_ITEM(seq, i);
}

/* (width, packed bytes, bad) from a finished buffer, or NULL when !ok; frees the buffer and bad. */
static PyObject *result_of(struct buf *b, int width, PyObject *bad, int ok)
{
    PyObject *out = NULL;

    if (ok)
        out = Py_BuildValue("(iy#O)", width, b->data != NULL ? b->data : "", (Py_ssize_t)b->len, bad);
    PyMem_Free(b->data);
    Py_XDECREF(bad);
    return out;
}

/* How many documents ahead pack_rows asks for the values' memory: a block's strings lie scattered over
 * the heap, and reading them one after the other waits for each in turn. */
#define PREFETCH_AHEAD 8

/* Asks for the memory of tuple `d`'s values (a hint: nothing is read, nothing is required of d). */
static void prefetch_values(PyObject *d)
{
#if defined(__GNUC__)
    if (PyTuple_CheckExact(d)) {
        const Py_ssize_t w = PyTuple_GET_SIZE(d) < 3 ? PyTuple_GET_SIZE(d) : 3;
        Py_ssize_t k;

        for (k = 0; k < w; k++)
            __builtin_prefetch(PyTuple_GET_ITEM(d, k));
    }
#else
    (void)d;
#endif
}

static const char MIXED[] = "each document is (state, number) or (state, number, type), all alike";

PyDoc_STRVAR(pack_rows_doc,
"pack_rows(docs, lo, hi) -> (width, packed, bad)\n\n"
"Documents docs[lo:hi] (docs a list or tuple; each document a tuple or list of 2 or 3 values, all of one\n"
"width) packed as NUL-terminated UTF-8 strings. bad lists (index in the block, field) of the values\n"
"refused and packed as \"\". ValueError when the widths differ or are not 2 or 3.");

static PyObject *pack_rows(PyObject *self, PyObject *args)
{
    PyObject *docs, *bad = NULL;
    Py_ssize_t lo, hi, i;
    struct buf b = {NULL, 0, 0};
    int width = 0, ok = 0;

    (void)self;
    if (!PyArg_ParseTuple(args, "Onn", &docs, &lo, &hi) || check_block(docs, lo, hi) != 0)
        return NULL;
    bad = PyList_New(0);
    if (bad == NULL)
        goto done;
    for (i = lo; i < hi; i++) {
        PyObject *const d = item_at(docs, i);
        PyObject *fast;
        Py_ssize_t w, k;
        int rc = 0;

        if (d == NULL)
            goto done;
        if (i + PREFETCH_AHEAD < hi && i + PREFETCH_AHEAD < PySequence_Fast_GET_SIZE(docs))
            prefetch_values(PySequence_Fast_GET_ITEM(docs, i + PREFETCH_AHEAD));
        if (PyTuple_CheckExact(d)) {
            fast = d; /* immutable: read in place, held while it is read */
            Py_INCREF(fast);
        } else if (PyUnicode_Check(d) || PyBytes_Check(d) || PyByteArray_Check(d)) {
            PyErr_SetString(PyExc_TypeError, MIXED); /* a string is not a document of characters */
            goto done;
        } else {
            fast = PySequence_Tuple(d); /* a list or other sequence: a copy nothing else can change */
            if (fast == NULL)
                goto done;
        }
        w = PyTuple_GET_SIZE(fast);
        if (i == lo && (w == 2 || w == 3))
            width = (int)w;
        if (w != width) {
            Py_DECREF(fast);
            PyErr_SetString(PyExc_ValueError, MIXED);
            goto done;
        }
        for (k = 0; k < w && rc == 0; k++)
            rc = put_value(&b, bad, PyTuple_GET_ITEM(fast, k), i - lo, (int)k);
        Py_DECREF(fast);
        if (rc != 0)
            goto done;
    }
    ok = 1;
done:
    return result_of(&b, width, bad, ok);
}

PyDoc_STRVAR(pack_columns_doc,
"pack_columns(columns, lo, hi) -> (width, packed, bad)\n\n"
"pack_rows for documents given as 2 or 3 columns (lists or tuples of one length): states, numbers\n"
"[, types], rows lo to hi. ValueError when there are not 2 or 3 columns or their lengths differ.");

static PyObject *pack_columns(PyObject *self, PyObject *args)
{
    static const char SHAPE[] = "2 or 3 columns of one length: state, number [, type]";
    PyObject *columns, *fast = NULL, *bad = NULL;
    Py_ssize_t lo, hi, i;
    struct buf b = {NULL, 0, 0};
    int width = 0, k, ok = 0;

    (void)self;
    if (!PyArg_ParseTuple(args, "Onn", &columns, &lo, &hi))
        return NULL;
    fast = PySequence_Tuple(columns); /* the columns held, whatever happens to `columns` */
    bad = PyList_New(0);
    if (fast == NULL || bad == NULL)
        goto done;
    width = (int)PyTuple_GET_SIZE(fast);
    if (width != 2 && width != 3) {
        PyErr_SetString(PyExc_ValueError, SHAPE);
        goto done;
    }
    for (k = 0; k < width; k++) {
        PyObject *const c = PyTuple_GET_ITEM(fast, k);

        if (check_block(c, lo, hi) != 0)
            goto done;
        if (PySequence_Fast_GET_SIZE(c) != PySequence_Fast_GET_SIZE(PyTuple_GET_ITEM(fast, 0))) {
            PyErr_SetString(PyExc_ValueError, SHAPE);
            goto done;
        }
    }
    for (i = lo; i < hi; i++)
        for (k = 0; k < width; k++) {
            PyObject *const v = item_at(PyTuple_GET_ITEM(fast, k), i);
            int rc;

            if (v == NULL)
                goto done;
            Py_INCREF(v); /* held while it is read */
            rc = put_value(&b, bad, v, i - lo, k);
            Py_DECREF(v);
            if (rc != 0)
                goto done;
        }
    ok = 1;
done:
    Py_XDECREF(fast);
    return result_of(&b, width, bad, ok);
}

static PyMethodDef methods[] = {
    {"pack_rows", pack_rows, METH_VARARGS, pack_rows_doc},
    {"pack_columns", pack_columns, METH_VARARGS, pack_columns_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "sltd._pack",
    "Documents packed for the batch lookup in one pass over the Python objects (see sltd._batch).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__pack(void)
{
    return PyModule_Create(&module);
}
