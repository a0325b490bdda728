/* poolvm/capi.h — the C API of poolvm (spec §13): a C11 header, usable from
 * C++ too, over the same library as <poolvm/poolvm.h>; the two are views of
 * one implementation. Nothing here throws or aborts: every fallible function
 * returns a pvm_status, and pvm_error() describes the last failure.
 *
 * Ownership and lifetimes (docs/embedding.md has the whole story):
 * - pvm_new() gives a VM that pvm_free() destroys; NULL is safe to free.
 * - A pvm_value is 16 plain bytes: copy it freely. A reference in it (string,
 *   cons, record) is checked on every use: once its block is freed, after
 *   pvm_reset() or another pvm_load() it is stale, and in another VM it is
 *   foreign; either gives PVM_BAD_ARGUMENT, never another block's contents.
 * - Strings, conses and records made by pvm_string/pvm_cons/pvm_record or
 *   returned by a call are the program's blocks: free them with pvm_release()
 *   when done, or let the program do so.
 * - A handle from pvm_find() is good until the next pvm_load().
 * - The strings pvm_error() and pvm_pool_stats() return belong to the VM:
 *   pvm_error()'s until the next failing call, pool names until the next load.
 * - Only pvm_interrupt() may be called from another thread; everything else
 *   on one VM must come from one thread at a time. Different VMs share nothing.
 */
#ifndef POOLVM_CAPI_H
#define POOLVM_CAPI_H

#include <stddef.h>
#include <stdint.h>

/* The shared library exports exactly the pvm_ symbols (spec §13). */
#if defined(__GNUC__) || defined(__clang__)
#define PVM_API __attribute__((visibility("default")))
#else
#define PVM_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pvm_vm pvm_vm;
typedef struct { uint64_t bits[2]; } pvm_value;   /* copy freely; checked on every use */
typedef enum { PVM_NIL, PVM_BOOL, PVM_INT, PVM_FLOAT, PVM_STRING, PVM_CONS, PVM_RECORD, PVM_COROUTINE } pvm_type;
typedef enum {
  PVM_OK = 0,
  PVM_YIELDED,       /* the main run executed `yield`; *result is the yielded value */
  PVM_SUSPENDED,     /* a suspending step budget ran out */
  PVM_RUNTIME_ERROR, /* pvm_error() describes it; the run is over */
  PVM_LOAD_ERROR,    /* pvm_error() holds the diagnostics */
  PVM_BAD_ARGUMENT,  /* stale, foreign or wrongly typed value, unknown name, wrong arity, wrong state */
  PVM_NO_MEMORY      /* a pool is exhausted, or a buffer is too small */
} pvm_status;
typedef struct {
  size_t stack_values;                       /* 0: default */
  const char *pools;                         /* "cons=1000,str=200,node=64" or NULL */
  void *memory; size_t memory_bytes;         /* optional host buffer; NULL: the library allocates */
  void (*write)(void *user, const char *bytes, size_t n);  /* program output; NULL: stdout */
  void *user;
} pvm_config;
typedef pvm_status (*pvm_host_fn)(pvm_vm *vm, void *user, const pvm_value *args, size_t nargs, pvm_value *result);

PVM_API pvm_vm    *pvm_new(const pvm_config *config);          /* NULL config: defaults; NULL on failure */
PVM_API void       pvm_free(pvm_vm *vm);
PVM_API pvm_status pvm_register(pvm_vm *vm, const char *name, size_t arity, pvm_host_fn fn, void *user);
PVM_API pvm_status pvm_load(pvm_vm *vm, const char *name, const void *bytes, size_t n);  /* .pasm or .pbc, by content */
PVM_API const char *pvm_error(const pvm_vm *vm);   /* last error with its backtrace lines; "" if none */
PVM_API pvm_status pvm_raise(pvm_vm *vm, const char *message);  /* from a host function: fail the call */

PVM_API int        pvm_find(const pvm_vm *vm, const char *function);   /* handle >= 0, or -1 */
PVM_API int        pvm_arity(const pvm_vm *vm, int function);          /* -1 for a bad handle */
PVM_API pvm_status pvm_call(pvm_vm *vm, int function, const pvm_value *args, size_t nargs, pvm_value *result);
PVM_API pvm_status pvm_resume(pvm_vm *vm, pvm_value sent, pvm_value *result);  /* after YIELDED or SUSPENDED */
PVM_API void       pvm_set_budget(pvm_vm *vm, uint64_t steps, int suspend);    /* 0: none; per call/resume */
PVM_API void       pvm_interrupt(pvm_vm *vm);                                  /* any thread */
PVM_API void       pvm_reset(pvm_vm *vm);

PVM_API pvm_value  pvm_nil(void);
PVM_API pvm_value  pvm_bool(int b);
PVM_API pvm_value  pvm_int(int64_t i);
PVM_API pvm_value  pvm_float(double d);
PVM_API pvm_type   pvm_typeof(pvm_value v);
PVM_API int        pvm_is_live(const pvm_vm *vm, pvm_value v);   /* 1 for non-references and live references */
PVM_API int64_t    pvm_as_int(pvm_value v);                      /* 0 if not an int */
PVM_API double     pvm_as_float(pvm_value v);                    /* an int converts; 0.0 otherwise */
PVM_API int        pvm_truthy(pvm_value v);
PVM_API pvm_status pvm_string(pvm_vm *vm, const char *bytes, size_t n, pvm_value *out);
PVM_API pvm_status pvm_read_string(const pvm_vm *vm, pvm_value s, char *buf, size_t cap, size_t *len);  /* copies min(cap, len) bytes; *len = full length */
PVM_API pvm_status pvm_cons(pvm_vm *vm, pvm_value car, pvm_value cdr, pvm_value *out);
PVM_API pvm_status pvm_record(pvm_vm *vm, const char *pool, pvm_value *out);
PVM_API pvm_status pvm_get(const pvm_vm *vm, pvm_value ref, uint32_t slot, pvm_value *out);  /* cons: 0 car, 1 cdr */
PVM_API pvm_status pvm_set(pvm_vm *vm, pvm_value ref, uint32_t slot, pvm_value v);
PVM_API pvm_status pvm_release(pvm_vm *vm, pvm_value ref);                 /* pool_free */
PVM_API pvm_status pvm_global(const pvm_vm *vm, const char *name, pvm_value *out);
PVM_API pvm_status pvm_set_global(pvm_vm *vm, const char *name, pvm_value v);
PVM_API uint64_t   pvm_mark(const pvm_vm *vm);                             /* for pvm_release_since */
PVM_API pvm_status pvm_release_since(pvm_vm *vm, uint64_t mark);           /* free what was allocated since the mark and is still live */

typedef struct { const char *name; uint32_t block_bytes, capacity, in_use, peak; uint64_t allocations, frees, failed; } pvm_pool_info;
PVM_API size_t     pvm_pool_count(const pvm_vm *vm);
PVM_API pvm_status pvm_pool_stats(const pvm_vm *vm, size_t index, pvm_pool_info *out);

PVM_API pvm_status pvm_snapshot(const pvm_vm *vm, void *buf, size_t cap, size_t *len);  /* NO_MEMORY and *len = needed when cap is short */
PVM_API pvm_status pvm_restore(pvm_vm *vm, const void *bytes, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* POOLVM_CAPI_H */
