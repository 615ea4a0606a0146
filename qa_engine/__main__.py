from qa_engine.cli import main

main()
