-- words.lua — build lines word by word with concatenation, then scan each
-- line byte by byte, cutting out every word and comparing it with a target.
local count, total = 0, 0
for r = 0, 119999 do
  local line = ""
  for j = 0, 11 do
    line = line .. "w" .. tostring((r + j * j) % 97) .. " "
  end
  local n = #line
  local i = 0
  while i < n do
    local start = i
    while string.byte(line, i + 1) ~= 32 do i = i + 1 end
    local w = string.sub(line, start + 1, i)
    if w == "w42" then count = count + 1 end
    total = total + string.byte(w, #w)
    i = i + 1
  end
end
print(count)
print(total)
