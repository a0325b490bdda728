/* tests/capi/capi_test.c — every function of <poolvm/capi.h>, from C11,
 * with its misuse: stale, foreign and wrongly typed values, unknown names,
 * wrong arity, double free, reading a freed string, a reference kept across
 * a reset. Compiled with -std=c11 -Wall -Wextra -pedantic -Werror. */
#include <poolvm/capi.h>

#include <stdio.h>
#include <string.h>

static int passed, failed;
#define CHECK(cond)                                                     \
  do {                                                                  \
    if (cond) {                                                         \
      ++passed;                                                         \
    } else {                                                            \
      ++failed;                                                         \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
    }                                                                   \
  } while (0)
#define CHECK_ERROR(vm, text) CHECK(strstr(pvm_error(vm), text) != NULL)

static const char *kLib =
    ".pool node slots=2 blocks=4\n"
    ".global total\n"
    ".extern add_host 2\n"
    ".extern fail_host 1\n"
    ".extern call_back 1\n"
    ".extern make_text 0\n"
    ".func pair a b\n load a\n load b\n cons\n ret\n.end\n"
    ".func first p\n load p\n car\n ret\n.end\n"
    ".func add2 a b\n load a\n load b\n call add_host\n ret\n.end\n"
    ".func bad x\n load x\n call fail_host\n ret\n.end\n"
    ".func twice x\n load x\n load x\n add\n ret\n.end\n"
    ".func via x\n load x\n call call_back\n ret\n.end\n"
    ".func text\n call make_text\n ret\n.end\n"
    ".func speak s\n load s\n print\n push 0\n ret\n.end\n"
    ".func spin\nloop:\n jmp loop\n.end\n"
    ".func leak n\nloop:\n load n\n push nil\n cons\n pop\n load n\n push 1\n sub\n dup\n store n\n jnz loop\n"
    " push 1\n push 0\n div\n ret\n.end\n";

static char output[256];
static size_t output_len;
static void capture(void *user, const char *bytes, size_t n) {
  (void)user;
  if (output_len + n < sizeof output) {
    memcpy(output + output_len, bytes, n);
    output_len += n;
  }
}

static pvm_status add_host(pvm_vm *vm, void *user, const pvm_value *args, size_t nargs, pvm_value *result) {
  (void)vm;
  *(int *)user += 1;
  CHECK(nargs == 2);
  *result = pvm_int(pvm_as_int(args[0]) + pvm_as_int(args[1]));
  return PVM_OK;
}

static pvm_status fail_host(pvm_vm *vm, void *user, const pvm_value *args, size_t nargs, pvm_value *result) {
  (void)user; (void)nargs; (void)result;
  if (pvm_as_int(args[0]) < 0) return pvm_raise(vm, "negative input");
  if (pvm_as_int(args[0]) == 0) return PVM_BAD_ARGUMENT; /* a status without pvm_raise */
  return PVM_OK; /* result stays nil */
}

static pvm_status call_back(pvm_vm *vm, void *user, const pvm_value *args, size_t nargs, pvm_value *result) {
  (void)user; (void)nargs;
  int twice = pvm_find(vm, "twice");
  return pvm_call(vm, twice, args, 1, result); /* re-entrant */
}

static pvm_status make_text(pvm_vm *vm, void *user, const pvm_value *args, size_t nargs, pvm_value *result) {
  (void)user; (void)args; (void)nargs;
  return pvm_string(vm, "made by C", 9, result);
}

static pvm_vm *new_lib(const char *pools, int *counter) {
  pvm_config config;
  memset(&config, 0, sizeof config);
  config.pools = pools;
  config.write = capture;
  pvm_vm *vm = pvm_new(&config);
  CHECK(vm != NULL);
  CHECK(pvm_register(vm, "add_host", 2, add_host, counter) == PVM_OK);
  CHECK(pvm_register(vm, "fail_host", 1, fail_host, NULL) == PVM_OK);
  CHECK(pvm_register(vm, "call_back", 1, call_back, NULL) == PVM_OK);
  CHECK(pvm_register(vm, "make_text", 0, make_text, NULL) == PVM_OK);
  CHECK(pvm_load(vm, "lib.pasm", kLib, strlen(kLib)) == PVM_OK);
  return vm;
}

static void test_values(void) {
  CHECK(pvm_typeof(pvm_nil()) == PVM_NIL);
  CHECK(pvm_typeof(pvm_bool(1)) == PVM_BOOL);
  CHECK(pvm_typeof(pvm_int(3)) == PVM_INT);
  CHECK(pvm_typeof(pvm_float(2.5)) == PVM_FLOAT);
  CHECK(pvm_as_int(pvm_int(-7)) == -7);
  CHECK(pvm_as_int(pvm_float(2.5)) == 0);
  CHECK(pvm_as_float(pvm_int(4)) == 4.0);
  CHECK(pvm_as_float(pvm_float(2.5)) == 2.5);
  CHECK(pvm_as_float(pvm_nil()) == 0.0);
  CHECK(!pvm_truthy(pvm_nil()) && !pvm_truthy(pvm_bool(0)) && !pvm_truthy(pvm_int(0)));
  CHECK(pvm_truthy(pvm_bool(7)) && pvm_truthy(pvm_int(1)) && pvm_truthy(pvm_float(0.0)));
  CHECK(pvm_is_live(NULL, pvm_int(1)) == 1);
}

static void test_lifecycle_and_load(void) {
  pvm_vm *vm = pvm_new(NULL);
  CHECK(vm != NULL);
  CHECK(strcmp(pvm_error(vm), "") == 0);
  CHECK(pvm_find(vm, "main") == -1); /* nothing loaded */
  pvm_value v;
  CHECK(pvm_string(vm, "x", 1, &v) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(vm, "no program is loaded");
  const char *bad = ".func main\n lod 1\n.end\n";
  CHECK(pvm_load(vm, "bad.pasm", bad, strlen(bad)) == PVM_LOAD_ERROR);
  CHECK_ERROR(vm, "bad.pasm:2:2: error: unknown instruction 'lod'");
  const char *ext = ".extern nowhere 1\n";
  CHECK(pvm_load(vm, "ext.pasm", ext, strlen(ext)) == PVM_LOAD_ERROR);
  CHECK_ERROR(vm, "extern 'nowhere' (1 argument) is not provided by the host");
  pvm_free(vm);
  pvm_free(NULL);

  pvm_config config;
  memset(&config, 0, sizeof config);
  config.pools = "cons=oops";
  CHECK(pvm_new(&config) == NULL);
  config.pools = "nope=4";
  vm = pvm_new(&config);
  CHECK(vm != NULL);
  CHECK(pvm_load(vm, "lib.pasm", ".func f\n push 0\n ret\n.end\n", 26) == PVM_LOAD_ERROR);
  CHECK_ERROR(vm, "the program has no pool named 'nope'");
  pvm_free(vm);
}

static void test_calls(void) {
  int counter = 0;
  pvm_vm *vm = new_lib(NULL, &counter);
  int pair = pvm_find(vm, "pair");
  CHECK(pair >= 0);
  CHECK(pvm_arity(vm, pair) == 2);
  CHECK(pvm_arity(vm, -1) == -1);
  CHECK(pvm_arity(vm, 9999) == -1);
  CHECK(pvm_find(vm, "nope") == -1);

  pvm_value args[2] = {pvm_int(20), pvm_int(22)}, r;
  CHECK(pvm_call(vm, pvm_find(vm, "add2"), args, 2, &r) == PVM_OK);
  CHECK(pvm_as_int(r) == 42 && counter == 1);
  CHECK(pvm_call(vm, pvm_find(vm, "add2"), args, 1, &r) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(vm, "'add2' takes 2 arguments, given 1");
  CHECK(pvm_typeof(r) == PVM_NIL);
  CHECK(pvm_call(vm, 12345, NULL, 0, &r) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(vm, "bad function handle 12345");

  /* host function failures become runtime errors with the backtrace */
  pvm_value neg = pvm_int(-1), zero = pvm_int(0), one = pvm_int(1);
  int bad = pvm_find(vm, "bad");
  CHECK(pvm_call(vm, bad, &neg, 1, &r) == PVM_RUNTIME_ERROR);
  CHECK_ERROR(vm, "error: host error: negative input\n  at bad (lib.pasm:");
  CHECK(pvm_call(vm, bad, &zero, 1, &r) == PVM_RUNTIME_ERROR);
  CHECK_ERROR(vm, "'fail_host' returned status 5");
  CHECK(pvm_call(vm, bad, &one, 1, &r) == PVM_OK);
  CHECK(pvm_typeof(r) == PVM_NIL); /* the default result */
  CHECK(pvm_raise(vm, "outside") == PVM_BAD_ARGUMENT);
  CHECK_ERROR(vm, "no host function is running");

  /* re-entrant call from a host function */
  pvm_value x = pvm_int(21);
  CHECK(pvm_call(vm, pvm_find(vm, "via"), &x, 1, &r) == PVM_OK);
  CHECK(pvm_as_int(r) == 42);

  /* a string made by a host function, read into a buffer and freed */
  CHECK(pvm_call(vm, pvm_find(vm, "text"), NULL, 0, &r) == PVM_OK);
  CHECK(pvm_typeof(r) == PVM_STRING);
  char buf[32];
  size_t len = 0;
  CHECK(pvm_read_string(vm, r, buf, sizeof buf, &len) == PVM_OK);
  CHECK(len == 9 && memcmp(buf, "made by C", 9) == 0);
  CHECK(pvm_read_string(vm, r, NULL, 0, &len) == PVM_NO_MEMORY);
  CHECK(len == 9);
  CHECK(pvm_read_string(vm, r, buf, 4, &len) == PVM_NO_MEMORY);
  CHECK(len == 9 && memcmp(buf, "made", 4) == 0);
  CHECK(pvm_release(vm, r) == PVM_OK);
  CHECK(pvm_release(vm, r) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(vm, "double free");
  CHECK(pvm_read_string(vm, r, buf, sizeof buf, &len) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(vm, "stale reference");
  CHECK(pvm_read_string(vm, pvm_int(1), buf, sizeof buf, &len) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(vm, "expected a string, got int");

  /* a host string passed to the program, printed through the write callback */
  pvm_value s;
  CHECK(pvm_string(vm, "hi from C", 9, &s) == PVM_OK);
  output_len = 0;
  CHECK(pvm_call(vm, pvm_find(vm, "speak"), &s, 1, &r) == PVM_OK);
  CHECK(output_len == 10 && memcmp(output, "hi from C\n", 10) == 0);
  pvm_free(vm);
}

static void test_data_and_references(void) {
  int counter = 0;
  pvm_vm *vm = new_lib("cons=8,node=2", &counter);
  pvm_vm *other = new_lib(NULL, &counter);
  pvm_value a, b, rec, v, r;
  CHECK(pvm_cons(vm, pvm_int(1), pvm_nil(), &a) == PVM_OK);
  CHECK(pvm_cons(vm, pvm_int(2), a, &b) == PVM_OK);
  CHECK(pvm_typeof(b) == PVM_CONS);
  CHECK(pvm_get(vm, b, 0, &v) == PVM_OK && pvm_as_int(v) == 2);
  CHECK(pvm_get(vm, b, 1, &v) == PVM_OK && pvm_typeof(v) == PVM_CONS);
  CHECK(pvm_get(vm, b, 2, &v) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(vm, "slot 2 of cons#1 is out of range");
  CHECK(pvm_set(vm, b, 0, pvm_float(0.5)) == PVM_OK);
  CHECK(pvm_call(vm, pvm_find(vm, "first"), &b, 1, &r) == PVM_OK && pvm_as_float(r) == 0.5);

  CHECK(pvm_record(vm, "node", &rec) == PVM_OK);
  CHECK(pvm_typeof(rec) == PVM_RECORD);
  CHECK(pvm_get(vm, rec, 1, &v) == PVM_OK && pvm_typeof(v) == PVM_NIL);
  CHECK(pvm_set(vm, rec, 1, b) == PVM_OK);
  CHECK(pvm_record(vm, "nope", &v) == PVM_BAD_ARGUMENT);
  CHECK(pvm_record(vm, "str", &v) == PVM_BAD_ARGUMENT);
  CHECK(pvm_record(vm, "node", &v) == PVM_OK);
  CHECK(pvm_record(vm, "node", &v) == PVM_NO_MEMORY);
  CHECK_ERROR(vm, "pool 'node' capacity (2 blocks) is exhausted");
  CHECK(pvm_get(vm, pvm_int(3), 0, &v) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(vm, "expected a cons or record, got int");

  /* foreign: another VM's reference, anywhere */
  CHECK(pvm_is_live(vm, b) == 1);
  CHECK(pvm_is_live(other, b) == 0);
  CHECK(pvm_get(other, b, 0, &v) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(other, "foreign reference");
  CHECK(pvm_call(other, pvm_find(other, "first"), &b, 1, &r) == PVM_BAD_ARGUMENT);
  CHECK(pvm_release(other, b) == PVM_BAD_ARGUMENT);
  CHECK(pvm_set_global(other, "total", b) == PVM_BAD_ARGUMENT);

  /* globals */
  CHECK(pvm_set_global(vm, "total", pvm_int(5)) == PVM_OK);
  CHECK(pvm_global(vm, "total", &v) == PVM_OK && pvm_as_int(v) == 5);
  CHECK(pvm_global(vm, "nope", &v) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(vm, "no global 'nope'");
  CHECK(pvm_set_global(vm, "nope", v) == PVM_BAD_ARGUMENT);

  /* stale after release, and after reset, forever */
  CHECK(pvm_release(vm, a) == PVM_OK);
  CHECK(pvm_is_live(vm, a) == 0);
  CHECK(pvm_get(vm, a, 0, &v) == PVM_BAD_ARGUMENT);
  CHECK(pvm_release(vm, pvm_nil()) == PVM_OK);
  pvm_reset(vm);
  CHECK(pvm_global(vm, "total", &v) == PVM_OK && pvm_typeof(v) == PVM_NIL);
  CHECK(pvm_is_live(vm, b) == 0);
  pvm_value fresh;
  CHECK(pvm_cons(vm, pvm_int(99), pvm_nil(), &fresh) == PVM_OK);
  CHECK(pvm_get(vm, b, 0, &v) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(vm, "stale reference: cons#");
  CHECK(pvm_cons(vm, b, pvm_nil(), &v) == PVM_BAD_ARGUMENT); /* cannot plant a stale one */

  /* a forged value is refused */
  pvm_value forged = fresh;
  forged.bits[0] ^= 0x5a;
  CHECK(pvm_is_live(vm, forged) == 0);
  pvm_free(other);
  pvm_free(vm);
}

static void test_reclaim_budget_interrupt_stats(void) {
  int counter = 0;
  pvm_vm *vm = new_lib("cons=100", &counter);
  pvm_value n = pvm_int(10), r;
  pvm_pool_info info;
  CHECK(pvm_pool_count(vm) == 5); /* cons, str, frame, co, node */
  uint64_t mark = pvm_mark(vm);
  CHECK(pvm_call(vm, pvm_find(vm, "leak"), &n, 1, &r) == PVM_RUNTIME_ERROR);
  CHECK_ERROR(vm, "division by zero");
  CHECK(pvm_pool_stats(vm, 0, &info) == PVM_OK);
  CHECK(strcmp(info.name, "cons") == 0 && info.in_use == 10 && info.capacity == 100);
  CHECK(pvm_release_since(vm, mark) == PVM_OK);
  CHECK(pvm_pool_stats(vm, 0, &info) == PVM_OK && info.in_use == 0 && info.frees == 10);
  CHECK(pvm_release_since(vm, mark + 1000) == PVM_BAD_ARGUMENT);
  CHECK(pvm_pool_stats(vm, 99, &info) == PVM_BAD_ARGUMENT);

  pvm_set_budget(vm, 100, 0);
  CHECK(pvm_call(vm, pvm_find(vm, "spin"), NULL, 0, &r) == PVM_RUNTIME_ERROR);
  CHECK_ERROR(vm, "step budget of 100 instructions");
  pvm_set_budget(vm, 0, 0);
  pvm_interrupt(vm);
  CHECK(pvm_call(vm, pvm_find(vm, "spin"), NULL, 0, &r) == PVM_RUNTIME_ERROR);
  CHECK_ERROR(vm, "interrupted by the host");
  CHECK(pvm_call(vm, pvm_find(vm, "twice"), &n, 1, &r) == PVM_OK && pvm_as_int(r) == 20);

  /* pausing: nothing is paused, so resuming is refused; snapshots of
     bytes that are not one are refused with a message */
  CHECK(pvm_resume(vm, pvm_nil(), &r) == PVM_BAD_ARGUMENT);
  size_t len = 1;
  CHECK(pvm_snapshot(vm, NULL, 0, NULL) == PVM_BAD_ARGUMENT);
  CHECK(pvm_snapshot(vm, NULL, 0, &len) == PVM_NO_MEMORY && len > 0);
  CHECK(pvm_restore(vm, "x", 1) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(vm, "snapshot truncated");
  CHECK(pvm_restore(vm, NULL, 1) == PVM_BAD_ARGUMENT);
  pvm_free(vm);
}

static void test_host_memory(void) {
  static unsigned char arena[1 << 22];
  pvm_config config;
  memset(&config, 0, sizeof config);
  config.pools = "cons=64,str=64,frame=16";
  config.stack_values = 256;
  config.memory = arena;
  config.memory_bytes = 1024;
  pvm_vm *vm = pvm_new(&config);
  const char *prog = ".func f\n push 1\n push 2\n cons\n ret\n.end\n";
  CHECK(pvm_load(vm, "m.pasm", prog, strlen(prog)) == PVM_LOAD_ERROR);
  CHECK_ERROR(vm, "host memory too small");
  pvm_free(vm);
  config.memory_bytes = sizeof arena;
  vm = pvm_new(&config);
  CHECK(pvm_load(vm, "m.pasm", prog, strlen(prog)) == PVM_OK);
  pvm_value r;
  CHECK(pvm_call(vm, pvm_find(vm, "f"), NULL, 0, &r) == PVM_OK && pvm_typeof(r) == PVM_CONS);
  pvm_free(vm);
}

/* pvm_resume after PVM_YIELDED (values both ways) and PVM_SUSPENDED (a
 * suspending budget: the run sliced gives what one uninterrupted run gives). */
static void test_pausing(void) {
  static const char *prog =
      ".func main\n.local got\n push 10\n yield\n store got\n load got\n print\n"
      " push 0\n call count\n ret\n.end\n"
      ".func count i\nloop:\n load i\n push 1\n add\n store i\n load i\n push 50\n lt\n jnz loop\n"
      " load i\n ret\n.end\n";
  pvm_config config;
  memset(&config, 0, sizeof config);
  config.write = capture;
  output_len = 0;
  pvm_vm *vm = pvm_new(&config);
  CHECK(vm != NULL);
  CHECK(pvm_load(vm, "p.pasm", prog, strlen(prog)) == PVM_OK);
  int main_fn = pvm_find(vm, "main");
  pvm_value r;
  CHECK(pvm_call(vm, main_fn, NULL, 0, &r) == PVM_YIELDED);
  CHECK(pvm_as_int(r) == 10);
  pvm_value zero = pvm_int(0);
  CHECK(pvm_call(vm, pvm_find(vm, "count"), &zero, 1, &r) == PVM_BAD_ARGUMENT); /* a run is paused */
  CHECK_ERROR(vm, "paused");
  pvm_value s;
  CHECK(pvm_string(vm, "sent", 4, &s) == PVM_OK);
  CHECK(pvm_resume(vm, s, &r) == PVM_OK);
  CHECK(pvm_as_int(r) == 50);
  CHECK(output_len == 5 && memcmp(output, "sent\n", 5) == 0);
  CHECK(pvm_resume(vm, pvm_nil(), &r) == PVM_BAD_ARGUMENT); /* over */

  /* Sliced by a suspending budget: the same output and result. */
  pvm_release(vm, s);
  output_len = 0;
  pvm_set_budget(vm, 13, 1);
  int slices = 0;
  pvm_status st = pvm_call(vm, main_fn, NULL, 0, &r);
  while (st == PVM_SUSPENDED || st == PVM_YIELDED) {
    ++slices;
    st = pvm_resume(vm, pvm_int(7), &r);
  }
  CHECK(st == PVM_OK);
  CHECK(pvm_as_int(r) == 50);
  CHECK(slices > 10);
  CHECK(output_len == 2 && memcmp(output, "7\n", 2) == 0);

  /* A reset drops a paused run and its frames. */
  CHECK(pvm_call(vm, main_fn, NULL, 0, &r) == PVM_YIELDED);
  CHECK(pvm_resume(vm, pvm_nil(), &r) == PVM_SUSPENDED); /* inside count */
  pvm_reset(vm);
  CHECK(pvm_resume(vm, pvm_nil(), &r) == PVM_BAD_ARGUMENT);
  pvm_pool_info info;
  CHECK(pvm_pool_stats(vm, 2, &info) == PVM_OK && strcmp(info.name, "frame") == 0 && info.in_use == 0);
  pvm_free(vm);
}

/* A run paused at a yield inside a call, saved, restored into another VM
   and finished there; a snapshot of another program is refused. */
static void test_snapshots(void) {
  static const char *prog =
      ".global n\n"
      ".func step x\n load x\n yield\n ret\n.end\n"
      ".func main\n.local i\n push \"at \"\n push 5\n tostr\n concat\n print\n"
      " push 5\n call step\n store i\n load i\n gstore n\n load i\n push 2\n mul\n ret\n.end\n";
  pvm_config config;
  memset(&config, 0, sizeof config);
  config.write = capture;
  pvm_vm *a = pvm_new(&config);
  CHECK(pvm_load(a, "p.pasm", prog, strlen(prog)) == PVM_OK);
  pvm_value r;
  output_len = 0;
  CHECK(pvm_call(a, pvm_find(a, "main"), NULL, 0, &r) == PVM_YIELDED && pvm_as_int(r) == 5);
  CHECK(output_len == 5 && memcmp(output, "at 5\n", 5) == 0);
  size_t need = 0, len = 0;
  CHECK(pvm_snapshot(a, NULL, 0, &need) == PVM_NO_MEMORY && need > 64);
  static unsigned char buf[1 << 16];
  CHECK(need <= sizeof buf);
  CHECK(pvm_snapshot(a, buf, 10, &len) == PVM_NO_MEMORY && len == need);
  CHECK(pvm_snapshot(a, buf, sizeof buf, &len) == PVM_OK && len == need);
  pvm_free(a);

  pvm_vm *b = pvm_new(&config);
  CHECK(pvm_load(b, "p.pasm", prog, strlen(prog)) == PVM_OK);
  CHECK(pvm_restore(b, buf, len - 1) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(b, "restore: ");
  CHECK(pvm_restore(b, buf, len) == PVM_OK);
  output_len = 0;
  CHECK(pvm_resume(b, pvm_int(21), &r) == PVM_OK && pvm_as_int(r) == 42);
  pvm_value n;
  CHECK(pvm_global(b, "n", &n) == PVM_OK && pvm_as_int(n) == 21);
  CHECK(output_len == 0);
  pvm_free(b);

  pvm_vm *c = pvm_new(&config);
  CHECK(pvm_load(c, "lib.pasm", ".func main\n push 1\n ret\n.end\n", 29) == PVM_OK);
  CHECK(pvm_restore(c, buf, len) == PVM_BAD_ARGUMENT);
  CHECK_ERROR(c, "another program");
  pvm_free(c);
}

int main(void) {
  test_snapshots();
  test_values();
  test_pausing();
  test_lifecycle_and_load();
  test_calls();
  test_data_and_references();
  test_reclaim_budget_interrupt_stats();
  test_host_memory();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
