"""The engine family (MLS0xx, `Family.ENGINE`): what mlsmells reports about its own run
rather than about the code, a file it could not read, decode or parse, and a rule that
failed on a file. These rules have no handlers; the engine creates their findings."""
