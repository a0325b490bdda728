\ strings.fs — build short strings by concatenation and let them go.
\ Each string "key<i>:v" goes in a freshly allocated buffer, freed once measured.
: key-string ( n -- len )
  0 <# #s #> { a u }
  u 5 + { len }
  len allocate throw { buf }
  s" key" buf swap move
  a buf 3 + u move
  s" :v" buf 3 + u + swap move
  len buf free throw ;

: main ( -- )
  next-arg 2drop          \ ignore an optional argument
  0 3000000 0 do i key-string + loop 0 .r cr ;

main bye
