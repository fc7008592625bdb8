"""What is ranked for one member: the for-you list and the Following feed."""
