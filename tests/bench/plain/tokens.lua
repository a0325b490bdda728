-- tokens.lua — a JSON-like tokenizer: builds a 34 KB document (34,320 bytes) piece by
-- piece, then scans it byte by byte 320 times, summing numbers, cutting out
-- every string and counting those that sort before "m".
local piece = ""
for i = 0, 19 do
  piece = piece .. "{\"k" .. tostring(i) .. "\":[" .. tostring(i * 37) .. "," .. tostring(i * i) .. "],\"s\":\"" .. string.sub("abcdefghijklmnopqrstuvwxyz", i + 1, i + 5) .. "\"},"
end
local doc = ""
for i = 0, 59 do doc = doc .. piece end
local numbers, strings, before, brackets = 0, 0, 0, 0
for round = 1, 320 do
  local n = #doc
  local i = 0
  while i < n do
    local c = string.byte(doc, i + 1)
    if c >= 48 and c <= 57 then
      local v = 0
      while c >= 48 and c <= 57 do
        v = v * 10 + (c - 48)
        i = i + 1
        c = string.byte(doc, i + 1)
      end
      numbers = numbers + v
    elseif c == 34 then
      local start = i + 1
      i = i + 1
      while string.byte(doc, i + 1) ~= 34 do i = i + 1 end
      local s = string.sub(doc, start + 1, i)
      strings = strings + 1
      if s < "m" then before = before + 1 end
      i = i + 1
    else
      if c == 91 or c == 123 then brackets = brackets + 1 end
      i = i + 1
    end
  end
end
print(numbers)
print(strings)
print(before)
print(brackets)
