/* example_c_host — the C twin of vm/examples/host: the same game-style
 * session through <poolvm/capi.h>, printing the same lines.
 *   example_c_host SCRIPT.pasm */
#include <poolvm/capi.h>

#include <stdio.h>
#include <stdlib.h>

static pvm_status log_fn(pvm_vm *vm, void *user, const pvm_value *args, size_t nargs, pvm_value *result) {
  char buf[64];
  size_t len = 0;
  (void)user; (void)nargs; (void)result; /* result defaults to nil */
  pvm_read_string(vm, args[0], buf, sizeof buf, &len); /* into our buffer: no allocation */
  printf("[log] %.*s\n", (int)(len < sizeof buf ? len : sizeof buf), buf);
  return PVM_OK;
}

static void write_fn(void *user, const char *bytes, size_t n) {
  (void)user;
  printf("[script] %.*s", (int)n, bytes);
}

static char *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  char *text;
  long size;
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  text = malloc(size > 0 ? (size_t)size : 1);
  *n = text != NULL ? fread(text, 1, (size_t)size, f) : 0;
  fclose(f);
  return text;
}

int main(int argc, char **argv) {
  pvm_config config = {0};
  pvm_vm *vm;
  size_t n = 0, i;
  char *text;
  int spawn, tick, sum, runaway, frame;
  pvm_value name, entity, args[2], r, frames, x, list, cell, again, slot;
  pvm_pool_info info;
  uint64_t mark;
  char buf[32];

  if (argc != 2) {
    fprintf(stderr, "usage: example_c_host SCRIPT.pasm\n");
    return 64;
  }
  text = read_all(argv[1], &n);
  if (text == NULL) {
    fprintf(stderr, "example_c_host: cannot read %s\n", argv[1]);
    return 66;
  }
  config.pools = "cons=1000,str=100,frame=64"; /* small and fixed */
  config.write = write_fn;
  vm = pvm_new(&config);
  if (vm == NULL) return 70;
  pvm_register(vm, "log", 1, log_fn, NULL);
  if (pvm_load(vm, argv[1], text, n) != PVM_OK) {
    fputs(pvm_error(vm), stderr);
    pvm_free(vm);
    free(text);
    return 65;
  }
  free(text);

  /* Handles: looked up once, called in O(1). */
  spawn = pvm_find(vm, "spawn");
  tick = pvm_find(vm, "tick");
  sum = pvm_find(vm, "sum");
  runaway = pvm_find(vm, "runaway");
  printf("spawn takes %d arguments; 'jump' exists: %s\n", pvm_arity(vm, spawn), pvm_find(vm, "jump") >= 0 ? "yes" : "no");
  pvm_set_global(vm, "frames", pvm_int(0));

  pvm_string(vm, "ship", 4, &name);
  args[0] = name;
  args[1] = pvm_int(10);
  pvm_call(vm, spawn, args, 2, &entity);

  for (frame = 0; frame < 3; ++frame) {
    size_t len = 0;
    pvm_call(vm, tick, &entity, 1, &r);
    pvm_read_string(vm, r, buf, sizeof buf, &len);
    printf("tick %d: %.*s\n", frame, (int)len, buf);
    pvm_release(vm, r); /* the host owns the returned string */
  }
  pvm_global(vm, "frames", &frames);
  pvm_get(vm, entity, 0, &x);
  {
    size_t len = 0;
    pvm_read_string(vm, name, buf, sizeof buf, &len);
    printf("frames = %lld, entity x = %lld, entity name = %.*s\n", (long long)pvm_as_int(frames),
           (long long)pvm_as_int(x), (int)len, buf);
  }

  /* A list made by the host, passed to the script, then freed by the host. */
  list = pvm_nil();
  for (i = 3; i >= 1; --i) pvm_cons(vm, pvm_int((int64_t)i), list, &list);
  pvm_call(vm, sum, &list, 1, &r);
  printf("sum of (1 2 3) = %lld\n", (long long)pvm_as_int(r));
  for (cell = list; pvm_typeof(cell) != PVM_NIL;) {
    pvm_value next;
    pvm_get(vm, cell, 1, &next);
    pvm_release(vm, cell);
    cell = next;
  }

  /* A runaway call: stopped by the budget; what it allocated is reclaimed. */
  pvm_set_budget(vm, 1000, 0);
  mark = pvm_mark(vm);
  if (pvm_call(vm, runaway, NULL, 0, &r) == PVM_RUNTIME_ERROR) {
    const char *e = pvm_error(vm); /* "error: MESSAGE\n  at ...": print MESSAGE */
    const char *end = e;
    while (*end != '\0' && *end != '\n') ++end;
    pvm_pool_stats(vm, 0, &info);
    printf("runaway: %.*s (cons in use: %u)\n", (int)(end - e - 7), e + 7, info.in_use);
  }
  pvm_release_since(vm, mark);
  pvm_pool_stats(vm, 0, &info);
  printf("after release_since: cons in use: %u\n", info.in_use);
  pvm_set_budget(vm, 0, 0);

  /* After a reset every old reference is stale, for good. */
  pvm_reset(vm);
  pvm_record(vm, "entity", &again);
  printf("after reset: old entity live: %s, new entity live: %s\n", pvm_is_live(vm, entity) ? "yes" : "no",
         pvm_is_live(vm, again) ? "yes" : "no");
  if (pvm_get(vm, entity, 0, &slot) != PVM_OK) printf("get(old entity): %s\n", pvm_error(vm));

  printf("pool     in use  peak  capacity\n");
  for (i = 0; i < pvm_pool_count(vm); ++i) {
    pvm_pool_stats(vm, i, &info);
    printf("%-8s %6u %5u %9u\n", info.name, info.in_use, info.peak, info.capacity);
  }
  pvm_free(vm);
  return 0;
}
