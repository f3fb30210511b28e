from repairkit.cli import main

main()
