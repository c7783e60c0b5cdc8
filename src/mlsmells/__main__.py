from mlsmells.cli import main

main()
