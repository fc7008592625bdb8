"""Five papers whose words and meaning disagree, for the tests of search by meaning (search,
topic digests): the protein-structure paper never says "protein" or "folding", and the
laundry paper says "folding" but is about robots. arXiv id -> (title, abstract)."""

PAPERS = {
    "2611.00001": (
        "Predicting the tertiary structure of polypeptide chains from amino-acid sequences",
        "We infer the spatial conformation of chains of residues with a geometric network.",
    ),
    "2611.00002": (
        "Folding laundry with dual-arm robots",
        "A manipulation policy that grasps and folds towels and shirts on a table.",
    ),
    "2611.00003": (
        "Latent diffusion for high-resolution image synthesis",
        "Denoising in a learned latent space generates photographs from text prompts.",
    ),
    "2611.00004": (
        "Cost-based join ordering in relational query optimizers",
        "We revisit cardinality estimation for picking the order of joins in SQL engines.",
    ),
    "2611.00005": (
        "End-to-end speech recognition with streaming transformers",
        "An acoustic model that transcribes spoken audio with low latency.",
    ),
}
