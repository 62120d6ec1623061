// A C++ client built from our protos with Debian's protoc and gRPC: it lists the exercises
// of a KeypointScorer and asks it to score two poses, as a backend team would.
#include <iostream>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "fitness/v1/scoring.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: scorer_client HOST:PORT\n";
    return 2;
  }
  auto channel = grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
  auto stub = fitness::v1::KeypointScorer::NewStub(channel);

  grpc::ClientContext list_context;
  fitness::v1::ListExercisesResponse exercises;
  grpc::Status status =
      stub->ListExercises(&list_context, fitness::v1::ListExercisesRequest(), &exercises);
  if (!status.ok()) {
    std::cerr << "ListExercises failed: " << status.error_message() << "\n";
    return 1;
  }
  for (const auto& exercise : exercises.exercises()) {
    std::cout << "exercise " << exercise.id() << "\n";
  }

  fitness::v1::ScoreRequest request;
  request.set_exercise_id("PushUps");
  for (int frame = 0; frame < 2; ++frame) {
    auto* pose = request.add_poses();
    pose->set_frame_index(frame);
    for (int joint = 0; joint < 17; ++joint) {
      auto* keypoint = pose->mutable_pose()->add_keypoints();
      keypoint->set_x(10.0f * joint);
      keypoint->set_y(5.0f);
      keypoint->set_score(0.9f);
    }
  }
  grpc::ClientContext score_context;
  fitness::v1::ScoreResponse scores;
  status = stub->Score(&score_context, request, &scores);
  if (!status.ok()) {
    std::cerr << "Score failed: " << status.error_message() << "\n";
    return 1;
  }
  std::cout << "scored " << scores.exercise_id() << " overall " << scores.overall() << "\n";

  request.set_exercise_id("Unknown");
  grpc::ClientContext error_context;
  status = stub->Score(&error_context, request, &scores);
  std::cout << "unknown exercise: status " << status.error_code() << "\n";
  return 0;
}
