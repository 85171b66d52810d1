/// The version of adapter-search: the command's `--version`, and what every stored run records.
public let hostVersion = "0.7.0"
