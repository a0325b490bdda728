\ loop.fs — sum of i*i mod 7 for i below 90,000,000.
: sum-loop ( -- s )
  0 90000000 0 do i i * 7 mod + loop ;

: main ( -- )
  next-arg 2drop          \ ignore an optional argument
  sum-loop 0 .r cr ;

main bye
