-- Neovim 0.11+ native configuration: with clients/neovim on 'runtimepath',
--   vim.lsp.enable("slimstage")
-- is enough; change anything with vim.lsp.config("slimstage", { settings = { ... } }).
-- Older Neovim: use require("slimstage").setup() instead.
return {
  cmd = { "slimstage", "serve" },
  filetypes = { "dockerfile" },
  root_markers = { ".slimstage.toml", "pyproject.toml", ".git" },
  settings = { slimstage = {} },
  -- The server reads initializationOptions too; send the same table.
  before_init = function(params, config)
    local settings = (config.settings or {}).slimstage or {}
    -- An empty Lua table would be sent as a JSON array.
    params.initializationOptions = next(settings) and settings or vim.empty_dict()
  end,
}
