from paperfeed.cli import cli

cli()
