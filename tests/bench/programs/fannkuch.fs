\ fannkuch.fs — the Benchmarks Game's fannkuch-redux, n = 9 (0-based arrays).
9 constant n
create perm   n cells allot
create perm1  n cells allot
create counts n 1+ cells allot      \ indexed by r, 1..n
0 value r  0 value maxflips  0 value checksum  0 value permcount

: n. ( n -- ) 0 .r ;

\ Reverse perm[0..k].
: flip ( k -- )
  cells perm + perm begin 2dup u> while
    over @ over @ 3 pick ! over !
    cell+ swap [ 1 cells ] literal - swap
  repeat 2drop ;

: count-flips ( -- flips )
  0 begin perm @ dup while flip 1+ repeat drop ;

: fannkuch ( -- )
  n 0 do i perm1 i cells + ! loop
  n to r
  begin
    begin r 1 <> while r counts r cells + ! r 1- to r repeat
    perm1 perm n cells move
    count-flips
    dup maxflips > if dup to maxflips then
    permcount 2 mod 0= if checksum + else checksum swap - then to checksum
    begin
      r n = if
        checksum n. cr ." Pfannkuchen(" n n. ." ) = " maxflips n. cr exit
      then
      perm1 @
      perm1 cell+ perm1 r cells move
      perm1 r cells + !
      counts r 1+ cells + -1 over +! @ 1 <
    while r 1+ to r repeat
    permcount 1+ to permcount
  again ;

: main ( -- )
  next-arg 2drop          \ ignore an optional argument
  fannkuch ;

main bye
