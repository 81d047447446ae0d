-- The workbook's Markdown, finished for each of Quarto's formats. Text stays pandoc inlines (which
-- each writer escapes); the only markup added is the workbook's own, with its own class names.
--
-- Typst: a rating span ([Red]{.rating .rating-red}) becomes a coloured badge with its word; a table
-- caption written for screen readers ({.visually-hidden}) is dropped, as the heading above names
-- the table; the index and Durham's data tables get landscape pages, as in the built-in PDF.
-- HTML: a table of more than five columns scrolls sideways in its own focusable region, named by
-- its caption, so a phone never scrolls the whole page.
-- Both: words for one medium only ([...]{.screen-only}, [...]{.print-only}, such as the paper's link to
-- report.html and, in the PDF, the report's file name) are kept in their own format and dropped in the other.

local WIDE_TABLE_COLUMNS = 5
local LANDSCAPE = { index = true, ["data-tables"] = true }

local function badge_class(span)
  if not span.classes:includes("rating") then
    return nil
  end
  for _, class in ipairs(span.classes) do
    if class:match("^rating%-[a-z]+$") or class:match("^spc%-[a-z]+$") then
      return class
    end
  end
  return "rating-status"
end

-- An SPC icon ([]{.spc-icon .spc-icon-improving-high}): the template's spc-icon draws its SVG file.
local function icon_name(span)
  if not span.classes:includes("spc-icon") then
    return nil
  end
  for _, class in ipairs(span.classes) do
    local name = class:match("^spc%-icon%-([a-z%-]+)$")
    if name then
      return name
    end
  end
  return nil
end

-- Words for one medium: in `shown`'s medium a span keeps its words (unwrapped); in the other it goes.
local function for_medium(span, shown, hidden)
  if span.classes:includes(hidden) then
    return {}
  end
  if span.classes:includes(shown) then
    return span.content
  end
end

local function typst_span(span)
  local medium = for_medium(span, "print-only", "screen-only")
  if medium then
    return medium
  end
  if span.classes:includes("spc-badge") then -- an icon and its badge: one box, never parted by a line break
    local out = pandoc.Inlines({ pandoc.RawInline("typst", "#box[") })
    out:extend(span.content)
    out:insert(pandoc.RawInline("typst", "]"))
    return out
  end
  local icon = icon_name(span)
  if icon then
    return pandoc.RawInline("typst", '#spc-icon("' .. icon .. '")')
  end
  if span.classes:includes("spc-icon") then
    return {}
  end
  local class = badge_class(span)
  if class then
    local out = pandoc.Inlines({ pandoc.RawInline("typst", '#badge("' .. class .. '")[') })
    out:extend(span.content)
    out:insert(pandoc.RawInline("typst", "]"))
    return out
  end
  if span.classes:includes("visually-hidden") then
    return {}
  end
end

-- Landscape pages from a landscape section's heading to the next heading of its level or above.
local function typst_pages(blocks)
  local out = pandoc.Blocks({})
  local landscape_level = nil
  for _, block in ipairs(blocks) do
    if block.t == "Header" then
      if landscape_level and block.level <= landscape_level then
        out:insert(pandoc.RawBlock("typst", "#set page(flipped: false)"))
        landscape_level = nil
      end
      if LANDSCAPE[block.identifier] then
        out:insert(pandoc.RawBlock("typst", "#set page(flipped: true)"))
        landscape_level = block.level
      end
    end
    out:insert(block)
  end
  if landscape_level then
    out:insert(pandoc.RawBlock("typst", "#set page(flipped: false)"))
  end
  return out
end

-- Header cells say what they head (scope), as the built-in page's do.
local function scope_header_cells(tbl)
  for _, row in ipairs(tbl.head.rows) do
    for _, cell in ipairs(row.cells) do
      cell.attributes["scope"] = "col"
    end
  end
end

local function html_table(tbl)
  scope_header_cells(tbl)
  if #tbl.colspecs <= WIDE_TABLE_COLUMNS then
    return tbl
  end
  local name = pandoc.utils.stringify(tbl.caption.long)
  -- A list of pairs, not a table: their order is then fixed, so reruns make the same bytes.
  local attributes = { { "role", "region" }, { "tabindex", "0" } }
  if name ~= "" then
    table.insert(attributes, { "aria-label", name })
  end
  return pandoc.Div({ tbl }, pandoc.Attr("", { "table-scroll" }, attributes))
end

-- A page is read on screen: the printed document's words go, the screen's are kept as they are.
local function html_span(span)
  return for_medium(span, "screen-only", "print-only")
end

if FORMAT:match("typst") then
  return {
    { Span = typst_span },
    { Pandoc = function(doc) doc.blocks = typst_pages(doc.blocks); return doc end },
  }
elseif FORMAT:match("html") then
  return { { Table = html_table, Span = html_span } }
end
return {}
