\ sieve.fs — sieve of Eratosthenes below 2,000,000 in one allocated byte array, 10 rounds.
2000000 constant N

: sieve-round ( -- count )
  N allocate throw { a }
  a N erase
  2 begin dup dup * N < while
    a over + c@ 0= if
      a N + over dup * a + do 1 i c! dup +loop
    then
  1+ repeat drop
  0 a N + a 2 + do i c@ 0= if 1+ then loop
  a free throw ;

: main ( -- )
  next-arg 2drop          \ ignore an optional argument
  0 10 0 do drop sieve-round loop 0 .r cr ;

main bye
