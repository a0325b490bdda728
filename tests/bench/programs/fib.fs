\ fib.fs — naive recursion, fib(35).
: fib ( n -- f )
  dup 2 < if exit then
  dup 1- recurse swap 2 - recurse + ;

: main ( -- )
  next-arg 2drop          \ ignore an optional argument
  35 fib 0 .r cr ;

main bye
